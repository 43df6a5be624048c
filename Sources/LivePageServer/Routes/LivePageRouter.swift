import Glibc
import LivePage
import LivePageEvents
import LivePageHTTP
import Synchronization

/// The LivePage routes of PROTOCOL.md, as the engine's handler.
///
/// Everything that can be answered at once is answered on the event-loop thread that
/// read the request, without a task: registration, polls with events waiting, closing,
/// who is online, the script. A poll with nothing waiting parks as a callback in the
/// manager. Input and disconnect, which may await the event bus, run in a task; so
/// does a publish, but only when the bus must await other servers or the publish
/// carries a deduplication `id`.
final class LivePageRouter: HTTPHandler {
    let manager: ClientManager
    let configuration: LivePageServer.Configuration
    let origins: OriginPolicy
    let tokenSecret: [UInt8]?
    let publishKeys: [[UInt8]]
    /// Changes when the server restarts, so a page can tell a restart from an eviction.
    let epoch: String
    /// Remembers publish ids: in memory on one server, in Redis across several.
    let deduplicator: any PublishDeduplication
    let script: StaticAsset
    let demo: DemoPages
    /// The application's own pages, outside the prefix, if it serves any.
    let pages = Mutex<(@Sendable (HTTPRequest) async throws -> HTTPResponse)?>(nil)
    /// The webhooks to a backend, once the engine they run on exists.
    let webhooks = Mutex(Webhooks())
    /// The engine's counters, once the engine exists.
    let engineMetrics = Mutex<(@Sendable () -> HTTPServerMetrics)?>(nil)
    let isShuttingDown = Atomic<Bool>(false)
    /// Time for the log of refused origins.
    let clock: any LivePageClock
    /// Which refused origins have been logged.
    let refusedOrigins = Mutex(RefusedOriginLog())
    /// The admin page's figures, sent while an admin page is open.
    let admin: AdminDashboard
    /// The admin page's sign-in.
    let adminSession: AdminSession

    init(
        manager: ClientManager, configuration: LivePageServer.Configuration, deduplicator: any PublishDeduplication,
        clock: any LivePageClock
    ) {
        self.manager = manager
        self.clock = clock
        self.deduplicator = deduplicator
        self.configuration = configuration
        self.origins = OriginPolicy(publicOrigin: configuration.publicOrigin, allowedOrigins: configuration.allowedOrigins)
        self.tokenSecret = configuration.tokenSecret.map { Array($0.utf8) }
        self.publishKeys = configuration.publishKeys.map { Array($0.utf8) }
        var random = SystemRandomNumberGenerator()
        self.epoch = String(random.next() as UInt64, radix: 16)
        self.script = StaticAsset(named: "livepage.js", contentType: "text/javascript; charset=utf-8")
        self.demo = DemoPages(prefix: configuration.prefix, publicOrigin: configuration.publicOrigin)
        self.admin = AdminDashboard(manager: manager, clock: clock, location: configuration.prefix + "/admin", nodeTag: configuration.nodeTag)
        self.adminSession = AdminSession(
            keys: (configuration.adminKeys + configuration.publishKeys).map { Array($0.utf8) },
            path: configuration.prefix + "/admin",
            isSecure: configuration.publicOrigin?.hasPrefix("https://") == true
        )
    }

    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        let route = Route(head: request.head, prefix: configuration.prefix, servesDemo: configuration.servesDemo)
        let origin = origins.decision(for: request)
        if request.method == .options, route.isBrowserPost {
            responder.respond(preflight(origin))
            return
        }
        if route == .page, let pages = pages.withLock({ $0 }) {
            respondInTask(responder) { try await pages(request) }
            return
        }
        guard route.methods.contains(request.method) else {
            responder.respond(methodNotAllowed(route).response())
            return
        }
        // Before the id is looked at, so a foreign page learns nothing of which ids exist.
        if route.isOriginChecked, case .refused(let foreign) = origin {
            responder.respond(refusal(of: foreign))
            return
        }
        let cors = origin.corsOrigin
        switch route {
        case .output(let id):
            output(request, id: id, cors: cors, responder: responder)
        case .poll:
            sharedPoll(request, cors: cors, responder: responder)
        case .input(let id):
            if let webhook = webhooks.withLock({ $0.input }) {
                inputThroughWebhook(webhook, request, id: id, cors: cors, responder: responder)
            } else {
                respondInTask(responder, cors: cors) { try await self.input(request, id: id) }
            }
        case .publish:
            publish(request, responder: responder)
        case .disconnect:
            respondInTask(responder) { try await self.disconnect(request) }
        default:
            responder.respond(
                Self.response(cors: cors) { () throws(RouteError) in
                    try self.answerAtOnce(route, request)
                })
        }
    }

    /// The routes answered on the loop thread.
    private func answerAtOnce(_ route: Route, _ request: HTTPRequest) throws(RouteError) -> HTTPResponse {
        switch route {
        case .register: try register(request)
        case .close(let id): try close(request, id: id)
        case .online(let id): try online(id: id)
        case .presence: try presence(request)
        case .script: script.response(to: request)
        case .health: HTTPResponse(status: .ok, body: "ok")
        case .metrics: metrics()
        case .admin: try admin(request, origin: origins.decision(for: request))
        case .demo(let page): try demo.response(for: page, request: request, manager: manager, visitor: demoVisitor(request))
        case .page, .notFound: throw RouteError(.notFound, "There is no LivePage route at this path.")
        case .output, .poll, .input, .publish, .disconnect: throw RouteError(.internalServerError, "The route was not dispatched.")
        }
    }

    /// The largest body a route takes: input (and the application's pages) and publish
    /// have their own limits; the rest take small JSON bodies or none.
    func maximumBodySize(for head: HTTPRequestHead) -> Int {
        let small = 16 << 10
        // No route reads a body from GET or HEAD: polls skip the route lookup.
        if head.method == .get || head.method == .head { return small }
        return switch Route(head: head, prefix: configuration.prefix, servesDemo: configuration.servesDemo) {
        case .input, .page: configuration.maximumInputBodySize
        case .publish, .disconnect: configuration.maximumPublishBodySize
        default: small
        }
    }

    /// Graceful shutdown: parked polls and every later request that needs the manager
    /// are answered `503` with a spread `Retry-After`.
    func serverWillShutDown() {
        isShuttingDown.store(true, ordering: .relaxed)
        manager.shutDown()
    }

    private func methodNotAllowed(_ route: Route) -> RouteError {
        guard route != .notFound, route != .page else { return RouteError(.notFound, "There is no LivePage route at this path.") }
        var methods = route.methods.map(\.rawValue)
        if route.isBrowserPost { methods.append("OPTIONS") }
        return RouteError(.methodNotAllowed, "This route takes \(methods.joined(separator: ", ")).", headers: ["Allow": methods.joined(separator: ", ")])
    }

    /// Answers a CORS preflight: allowed origins may post JSON or forms. So may a refused
    /// one, so that its page reads why the request itself is refused (`403`, reason
    /// `origin`) instead of seeing a network error it would retry forever: the check on
    /// the request, not the preflight, is what stops a foreign page, as it must be for
    /// forms and `sendBeacon`, which need no preflight.
    private func preflight(_ decision: OriginDecision) -> HTTPResponse {
        let origin: String
        switch decision {
        case .permitted(let cors?):
            origin = cors
        case .refused(let foreign) where OriginPolicy.isNameable(foreign):
            logRefusal(of: foreign)
            origin = foreign
        case .permitted(nil), .refused:
            return RouteError(.forbidden, "This origin may not send requests to LivePage here.").response()
        }
        return HTTPResponse(
            status: .noContent,
            headers: [
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            ])
    }

    /// `403` with reason `origin` for a page of a foreign origin, which names that origin in
    /// `Access-Control-Allow-Origin` so that the page can read the refusal (its body says
    /// nothing else); logged once per origin.
    func refusal(of origin: String) -> HTTPResponse {
        logRefusal(of: origin)
        var headers: HTTPHeaders = [:]
        if OriginPolicy.isNameable(origin) {
            headers.add(name: "Access-Control-Allow-Origin", value: origin)
            headers.add(name: "Vary", value: "Origin")
        }
        let message = "Pages of this origin may not use LivePage here; the server allows other origins with --allowed-origin."
        return RouteError(.forbidden, message, reason: "origin", headers: headers).response()
    }

    /// Logs a refused origin, unless it was logged already (``RefusedOriginLog``).
    private func logRefusal(of origin: String) {
        let now = clock.now
        if let line = refusedOrigins.withLock({ $0.line(refusing: origin, at: now) }) {
            configuration.log(line)
        }
    }

    /// Runs `work` in a task, answering with its response or its error's; the task is
    /// cancelled if the connection goes away first.
    func respondInTask(
        _ responder: HTTPResponder,
        cors: String? = nil,
        _ work: @escaping @Sendable () async throws -> HTTPResponse
    ) {
        let log = configuration.log
        let task = Task {
            let response: HTTPResponse
            do {
                response = try await work()
            } catch {
                response = Self.errorResponse(error, log: log)
            }
            responder.respond(Self.addingCORS(cors, to: response))
        }
        responder.onCancel { task.cancel() }
    }

    /// The response of `body`, or of the route error it throws.
    private static func response(cors: String?, _ body: () throws(RouteError) -> HTTPResponse) -> HTTPResponse {
        do {
            return addingCORS(cors, to: try body())
        } catch {
            return addingCORS(cors, to: error.response())
        }
    }

    /// The answer for an error thrown by a route or by what it called.
    static func errorResponse(_ error: any Error, log: @Sendable (String) -> Void) -> HTTPResponse {
        switch error {
        case let error as RouteError: return error.response()
        case let error as ManagerError: return RouteError(error).response()
        case let error as EventError: return RouteError.badRequest(error.description).response()
        case let error as any HTTPResponseError: return error.response()
        case is CancellationError: return RouteError(.serviceUnavailable, "The request was cancelled.").response()
        default:
            log("internal error: \(error)")
            return RouteError(.internalServerError, "The server failed to handle the request; it has been logged.").response()
        }
    }

    static func addingCORS(_ origin: String?, to response: consuming HTTPResponse) -> HTTPResponse {
        guard let origin else { return response }
        response.headers.add(name: "Access-Control-Allow-Origin", value: origin)
        // A page of another origin must see Retry-After to honour it.
        response.headers.add(name: "Access-Control-Expose-Headers", value: "Retry-After")
        response.headers.add(name: "Vary", value: "Origin")
        return response
    }

    /// The JSON body of a request, which must be an object sent as `application/json`.
    static func jsonObject(of request: HTTPRequest) throws(RouteError) -> JSONObject {
        guard mediaType(of: request) == "application/json" else {
            throw RouteError(.unsupportedMediaType, "The body must be sent as application/json.")
        }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: request.body)
        } catch {
            throw .badRequest(error.description)
        }
        guard let object = value.objectValue else { throw .badRequest("The body must be a JSON object.") }
        return object
    }

    /// The media type of a request's body, lowercased, without parameters.
    static func mediaType(of request: HTTPRequest) -> String? {
        guard let contentType = request.headers["Content-Type"] else { return nil }
        // On the bytes: building the type a character at a time cost a hundred allocations.
        let bytes = contentType.utf8
        let end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes[..<end].firstIndex(where: { !isBlank($0) }),
            let last = bytes[first..<end].lastIndex(where: { !isBlank($0) })
        else { return "" }
        return Substring(bytes[first...last]).lowercased()
    }

    /// A JSON response with the API headers, in plain JSON as events and errors are: an
    /// `application/json` answer with `nosniff` is never parsed as HTML.
    static func json(status: HTTPStatus = .ok, _ object: JSONObject) -> HTTPResponse {
        HTTPResponse(status: status, headers: RouteError.apiHeaders, body: object.jsonBytes(htmlSafe: false))
    }
}
