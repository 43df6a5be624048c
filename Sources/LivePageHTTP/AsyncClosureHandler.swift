/// Adapts an async closure to `HTTPHandler`: one task per request, cancelled when the
/// connection goes away first.
struct AsyncClosureHandler: HTTPHandler {
    let body: @Sendable (HTTPRequest) async throws -> HTTPResponse
    let log: @Sendable (String) -> Void

    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        let task = Task {
            responder.respond(await response(to: request))
        }
        responder.onCancel { task.cancel() }
    }

    private func response(to request: HTTPRequest) async -> HTTPResponse {
        do {
            return try await body(request)
        } catch let error as any HTTPResponseError {
            return error.response()
        } catch {
            log("the handler failed for \(request.method) \(request.path): \(error)")
            return .jsonError(.internalServerError, "The server could not complete this request.")
        }
    }
}
