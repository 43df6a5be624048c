import Glibc
import LivePage
import LivePageEvents
import LivePageHTTP
import Synchronization

/// Page input, sent to the backend for it to accept, transform or refuse
/// (PROTOCOL.md, "The input webhook").
///
/// Every input is one signed `POST` to the backend; the page's request is answered only
/// once the backend answered. What the backend's `200` lists is delivered as a trusted
/// publisher's events, in one send, so that nothing is half-delivered; a `4xx` refuses
/// with the backend's sentence (`422`); anything else is a `502` (or `504` for a
/// timeout, `503` when the queue is full) with a log line, and nothing is delivered.
final class InputWebhook: Sendable {
    /// Outcomes counted for `/metrics`.
    enum Outcome: String, CaseIterable {
        case delivered, accepted, refused, failed, timeout, busy
    }

    let url: WebhookURL
    private let client: HTTPClient
    private let secret: [UInt8]
    private let timeout: Duration
    private let manager: ClientManager
    private let log: WebhookLog
    private let counts = Mutex<[Outcome: Int]>([:])

    init(url: WebhookURL, client: HTTPClient, configuration: LivePageServer.BackendConfiguration, manager: ClientManager, log: @escaping @Sendable (String) -> Void) {
        self.url = url
        self.client = client
        self.secret = Array((configuration.webhookSecret ?? "").utf8)
        self.timeout = configuration.webhookTimeout
        self.manager = manager
        self.log = WebhookLog(name: "input webhook \(url)", sink: log)
    }

    /// How many calls ended each way.
    var outcomes: [(Outcome, Int)] {
        let counts = counts.withLock { $0 }
        return Outcome.allCases.map { ($0, counts[$0] ?? 0) }
    }

    private func count(_ outcome: Outcome) {
        counts.withLock { $0[outcome, default: 0] += 1 }
    }

    /// Sends `fields`, the input of `sender`, to the backend and carries out its answer,
    /// without a task: the call starts on this thread (at once on the client's loop), and
    /// the answer is read and delivered on the loop that received it.
    /// - Parameter completion: Called once with `delivered`, or the page's error:
    ///   ``RouteError`` `400` for a verb that cannot be one, `422` with the backend's
    ///   sentence, `502`, `503` or `504` when the backend did not answer usably.
    func forward(_ fields: EventFields, from sender: ClientInfo, completion: @escaping @Sendable (Result<Int, RouteError>) -> Void) {
        guard EventRegistry.isValidVerb(fields.verb), fields.verb != Presence.verb else {
            return completion(.failure(.badRequest(EventError.unknownVerb(fields.verb).description)))
        }
        let body = Self.body(fields, from: sender)
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        headers.add(name: WebhookSignature.headerName, value: WebhookSignature.header(for: body, at: time(nil), secret: secret))
        let request = HTTPClientRequest(method: .post, path: url.path, headers: headers, body: body, timeout: timeout)
        client.execute(request) { result in
            switch result {
            case .success(let response): self.carryOut(response, fields: fields, sender: sender, completion: completion)
            case .failure(let error): completion(.failure(self.failure(error)))
            }
        }
    }

    /// Does what the backend's answer says.
    private func carryOut(
        _ response: HTTPClientResponse, fields: EventFields, sender: ClientInfo,
        completion: @escaping @Sendable (Result<Int, RouteError>) -> Void
    ) {
        switch response.status {
        case 200:
            do {
                let answer = try answer(in: response.body, fields: fields, sender: sender)
                try manager.send(encoded: answer.events, to: answer.audience) { result in
                    switch result {
                    case .success(let delivered):
                        self.count(.delivered)
                        completion(.success(delivered))
                    case .failure:
                        completion(.failure(RouteError(.serviceUnavailable, "The events could not be sent; try again shortly.", headers: ["Retry-After": "2"])))
                    }
                }
            } catch let error as RouteError {
                completion(.failure(error))
            } catch {
                count(.failed)
                log.callFailed("the events it answered could not be sent: \(error)")
                completion(.failure(RouteError(.badGateway, "The application answered with events that could not be sent; nothing was delivered.")))
            }
        case 204:
            count(.accepted)
            completion(.success(0))
        case 401:
            count(.failed)
            log.callFailed("the backend refused the server's signature (401): check that it uses the same --webhook-secret")
            completion(.failure(RouteError(.badGateway, Self.unusable)))
        case 400..<500:
            count(.refused)
            completion(.failure(RouteError(.unprocessableContent, Self.sentence(in: response.body))))
        default:
            count(.failed)
            log.callFailed("the backend answered \(response.status), which is neither 200, 204 nor a 4xx refusal; nothing was delivered")
            completion(.failure(RouteError(.badGateway, Self.unusable)))
        }
    }

    private static let unusable = "The application did not answer this input usably; nothing was delivered."

    /// The page's answer when the call itself failed.
    private func failure(_ error: HTTPClientError) -> RouteError {
        if error.isQueueFull {
            count(.busy)
            log.callFailed("\(error); input is answered 503 (raise --webhook-concurrency or --webhook-queue, or speed up the backend)")
            return RouteError(.serviceUnavailable, "The application is busy; try again shortly.", headers: ["Retry-After": "2"])
        }
        if error.isTimeout {
            count(.timeout)
            log.callFailed("\(error) (--webhook-timeout); the input was answered 504 and nothing was delivered")
            return RouteError(.gatewayTimeout, "The application did not answer this input in time; nothing was delivered.")
        }
        count(.failed)
        log.callFailed("\(error); the input was answered 502 and nothing was delivered")
        return RouteError(.badGateway, "The application could not be reached; nothing was delivered.")
    }

    /// The JSON the backend gets: `input` (a unique id), `client`, `principal`,
    /// `location`, `verb`, `fields` (as the page sent them, without `verb`), and `meta`
    /// when the client was registered with one.
    static func body(_ fields: EventFields, from sender: ClientInfo) -> [UInt8] {
        var values = fields.values
        values["verb"] = nil
        var body: JSONObject = [
            "input": .string(uniqueID()),
            "client": .string(sender.id.description),
            "principal": sender.principal.map { .string($0) } ?? .null,
            "location": .string(sender.location),
            "verb": .string(fields.verb),
            "fields": .object(values),
        ]
        if let meta = sender.meta { body["meta"] = .object(meta) }
        return body.jsonBytes(htmlSafe: false)
    }

    /// 128 random bits in hexadecimal.
    private static func uniqueID() -> String {
        var random = SystemRandomNumberGenerator()
        let words = [random.next() as UInt64, random.next() as UInt64]
        return words.map { word in
            let text = String(word, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }

    /// What a `200` says to deliver: its `events` (trusted, as a publisher's), after the
    /// page's own event when it says `"input": true`, to its `to` or the sender's location.
    private func answer(in body: [UInt8], fields: EventFields, sender: ClientInfo) throws(RouteError) -> (events: [EncodedEvent], audience: Audience) {
        func malformed(_ reason: String) -> RouteError {
            count(.failed)
            log.callFailed("the backend's 200 answer \(reason); nothing was delivered")
            return RouteError(.badGateway, Self.unusable)
        }
        guard let object = (try? JSONValue(parsing: body))?.objectValue else { throw malformed("is not a JSON object") }
        var events: [EncodedEvent] = []
        switch object["input"] {
        case nil, .null?, .bool(false)?:
            break
        case .bool(true)?:
            do {
                events.append(EncodedEvent(try manager.registry.event(fromInput: fields), fromInputBy: sender.principal))
            } catch {
                count(.refused)
                throw .badRequest(error.description)
            }
        default:
            throw malformed("has an 'input' that is not true or false")
        }
        guard case .array(let list)? = object["events"] else { throw malformed("has no 'events' array") }
        for (index, value) in list.enumerated() {
            guard let event = value.objectValue else { throw malformed("has events[\(index)] that is not an object") }
            do {
                events.append(EncodedEvent(try manager.registry.event(fromPublisher: try EventFields(json: event, isTrusted: true))))
            } catch {
                throw malformed("has events[\(index)] that LivePage refuses: \(error)")
            }
        }
        let audience: Audience
        if let to = object["to"], to != .null {
            do {
                audience = try Audience(json: to)
            } catch {
                throw malformed("has a 'to' that is not an audience: \(error.message)")
            }
        } else {
            audience = .location(sender.location)
        }
        return (events, audience)
    }

    /// The sentence of a refusal, `{"error": "..."}`, made safe to show: at most 300
    /// characters, control characters as spaces; a generic one when there is none.
    static func sentence(in body: [UInt8]) -> String {
        guard case .string(let text)? = (try? JSONValue(parsing: body))?.objectValue?["error"] else {
            return "The application refused this input."
        }
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
            .trimmingSpaces
        guard !cleaned.isEmpty else { return "The application refused this input." }
        return cleaned.count > 300 ? String(cleaned.prefix(299)) + "…" : cleaned
    }
}

extension String {
    /// Without leading and trailing spaces.
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
