import LivePage
import LivePageEvents
import LivePageHTTP

extension LivePageRouter {
    /// `POST /poll`: one long-poll for several clients, the tabs of one browser sharing a
    /// single connection (PROTOCOL.md, "One poll for several tabs"). The ids and `after`s
    /// travel in the body, so that they stay out of access logs. Answers at once or parks
    /// as one callback in the manager; a parked poll whose connection goes away is
    /// forgotten. `cors` is the allowed foreign origin to name in the answer, if any.
    func sharedPoll(_ request: HTTPRequest, cors: String?, responder: HTTPResponder) {
        let requests: [PollRequest]
        do {
            requests = try Self.pollRequests(in: request)
        } catch {
            responder.respond(Self.addingCORS(cors, to: error.response()))
            return
        }
        do {
            let outcome = try manager.poll(requests) { answer in
                responder.respond(Self.addingCORS(cors, to: Self.response(for: answer)))
            }
            switch outcome {
            case .answered(let answer):
                responder.respond(Self.addingCORS(cors, to: Self.response(for: answer)))
            case .parked(let ticket):
                responder.onCancel { [manager] in manager.cancelPoll(ticket) }
            }
        } catch {
            responder.respond(Self.addingCORS(cors, to: RouteError(error).response()))
        }
    }

    /// The clients of a `POST /poll` body: `{"clients": [{"client": id, "after": n}, ...]}`,
    /// 1 to 32 of them; `after` an integer from 0 to 2^53-1 (0 when absent). An id that
    /// is no id at all is kept, as `nil`: its result is `410` `unknown`, as for a single
    /// poll.
    static func pollRequests(in request: HTTPRequest) throws(RouteError) -> [PollRequest] {
        let body = try jsonObject(of: request)
        guard case .array(let clients)? = body["clients"] else {
            throw .badRequest("The field 'clients' must be an array of {\"client\": id, \"after\": seq} objects.")
        }
        var requests: [PollRequest] = []
        requests.reserveCapacity(clients.count)
        for entry in clients {
            guard case .object(let fields) = entry, case .string(let client)? = fields["client"] else {
                throw .badRequest("Each entry of 'clients' must be an object with a string 'client'.")
            }
            var after: UInt64 = 0
            if let value = fields["after"] {
                guard case .number(let number) = value, let whole = number.intValue, whole >= 0, UInt64(whole) <= maximumAfter else {
                    throw .badRequest("Each 'after' must be a whole number from 0 to 2^53-1.")
                }
                after = UInt64(whole)
            }
            requests.append(PollRequest(client: ClientID(client), after: after))
        }
        return requests
    }

    /// The HTTP answer of a poll for several clients: `200` with one result per client,
    /// in the order asked, each `{"events": [...]}` or `{"status": 409|410|400, "error":
    /// ..., "reason": ...}`; or `503` for the whole request.
    static func response(for answer: MultiPollAnswer) -> HTTPResponse {
        switch answer {
        case .shuttingDown:
            return RouteError.shuttingDown.response()
        case .unavailable:
            return RouteError(ManagerError.unavailable).response()
        case .results(let results):
            var bytes = Array(#"{"results":["#.utf8)
            for (index, result) in results.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                switch result {
                case .events(let batch):
                    bytes += batch.jsonBytes()
                case .superseded:
                    bytes += refusal(409, ManagerError.superseded, reason: nil)
                case .gone(let reason):
                    bytes += refusal(410, ManagerError.clientGone(reason), reason: reason.rawValue)
                case .afterBeyondLastSeq:
                    bytes += refusal(400, ManagerError.afterBeyondLastSeq, reason: nil)
                }
            }
            bytes += "]}".utf8
            return HTTPResponse(status: .ok, headers: RouteError.apiHeaders, body: bytes)
        }
    }

    /// One client's refusal inside a shared poll's answer, as the body of the status its
    /// own poll would have had, with that status.
    private static func refusal(_ status: Int, _ error: ManagerError, reason: String?) -> [UInt8] {
        var object: JSONObject = ["status": .number(JSONNumber(status)), "error": .string(error.description)]
        if let reason { object["reason"] = .string(reason) }
        return object.jsonBytes(htmlSafe: false)
    }
}
