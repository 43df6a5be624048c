import Glibc
import LivePageTestSupport
import LivePageTesting
import Testing

/// Methods and paths: `405` with `Allow`, `404`; health, metrics and `livepage.js`.
@Suite struct RoutingTests {
    /// The `Allow` header as a set of methods.
    static func allowed(_ response: TestHTTPResponse) -> Set<String> {
        Set((response.header("Allow") ?? "").split(separator: ",").map { String($0.drop(while: { $0 == " " })) })
    }

    @Test(.timeLimit(.minutes(2)))
    func eachRouteRefusesOtherMethodsNamingTheOnesItTakes() async throws {
        try await withInProcessServer(publishing) { server in
            let id = try await server.registerClient()
            let browserPost: Set = ["POST", "OPTIONS"]
            let get: Set = ["GET", "HEAD"]
            let cases: [(method: String, path: String, allow: Set<String>)] = [
                ("GET", "/livepage/clients", browserPost),
                ("PUT", "/livepage/clients", browserPost),
                ("POST", "/livepage/clients/\(id)/output", get),
                ("OPTIONS", "/livepage/clients/\(id)/output", get),
                ("DELETE", "/livepage/clients/\(id)/output", get),
                ("GET", "/livepage/clients/\(id)/input", browserPost),
                ("GET", "/livepage/clients/\(id)/close", browserPost),
                ("DELETE", "/livepage/clients/\(id)/close", browserPost),
                ("POST", "/livepage/clients/\(id)/online", get),
                ("GET", "/livepage/publish", ["POST"]),
                ("OPTIONS", "/livepage/publish", ["POST"]),
                ("GET", "/livepage/disconnect", ["POST"]),
                ("POST", "/livepage/presence", get),
                ("POST", "/livepage/livepage.js", get),
                ("DELETE", "/livepage/health", get),
                ("PUT", "/livepage/metrics", get),
            ]
            for test in cases {
                let response = try await server.request(test.method, test.path, headers: [("Content-Type", "application/json")], body: "{}")
                #expect(response.status == 405, "\(test.method) \(test.path): \(response)")
                expectError(response, 405, hiding: [id])
                #expect(Self.allowed(response) == test.allow, "\(test.method) \(test.path): \(response)")
            }
            #expect(try await server.online(id).status == 200, "a refused method acts on nothing")
            #expect(try await server.metric("livepage_clients") == 1)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func unknownPathsAreNotFound() async throws {
        try await withInProcessServer(publishing) { server in
            let id = try await server.registerClient()
            let paths = [
                "/livepage/nothing", "/livepage", "/livepage/", "/livepage/clients/", "/livepage/clients/\(id)",
                "/livepage/clients/\(id)/", "/livepage/clients/\(id)/output/more", "/livepage/clients/\(id)/unknown",
                "/livepage/health/", "/livepageX/health", "/LIVEPAGE/health", "/nothing-here", "/livepage/livepage.js.map",
            ]
            for path in paths {
                for method in ["GET", "POST"] {
                    let response = try await server.request(method, path)
                    #expect(response.status == 404, "\(method) \(path): \(response)")
                    expectError(response, 404, hiding: [id])
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func healthIsOK() async throws {
        try await withInProcessServer { server in
            let response = try await server.request("GET", "/livepage/health?probe=1")
            #expect(response.status == 200)
            #expect(response.text == "ok")
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            let head = try await server.connect().request(TestHTTPRequest("HEAD", "/livepage/health"))
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func metricsAreInPrometheusTextFormatAndMove() async throws {
        try await withInProcessServer(publishing) { server in
            let before = try await server.request("GET", "/livepage/metrics")
            #expect(before.status == 200)
            #expect(before.header("Content-Type")?.hasPrefix("text/plain") == true, "\(before)")
            #expect(before.header("X-Content-Type-Options") == "nosniff")
            let names = [
                "livepage_clients", "livepage_parked_requests", "livepage_events_queued_total",
                "livepage_events_delivered_total", "livepage_queue_evictions_total", "livepage_http_responses_total",
            ]
            for name in names {
                #expect(before.text.contains("# TYPE \(name) "), "no \(name):\n\(before.text)")
                #expect(before.text.contains("# HELP \(name) "), "no help for \(name)")
            }
            for line in before.text.split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                #expect(parts.count == 2 && Double(parts[1]) != nil, "not a sample: \(line)")
            }
            #expect(LiveServer.sample("livepage_clients", in: before.text) == 0)
            #expect(LiveServer.sample("livepage_events_queued_total", in: before.text) == 0)

            let first = try await server.registerClient()
            _ = try await server.registerClient()
            let three = #"[{"verb": "remove", "id": "a"}, {"verb": "remove", "id": "b"}, {"verb": "remove", "id": "c"}]"#
            #expect(try await server.deliver(three, to: #"{"all": true}"#) == 6)
            #expect(try server.events(first).count == 3)
            _ = try server.poll(unknownClientID)

            let after = try await server.request("GET", "/livepage/metrics").text
            #expect(LiveServer.sample("livepage_clients", in: after) == 2)
            #expect(LiveServer.sample("livepage_events_queued_total", in: after) == 6)
            #expect(LiveServer.sample("livepage_events_delivered_total", in: after) == 3)
            #expect(!after.contains(first), "metrics never show a client id")
            #expect(!after.contains(String(first.prefix(13))), "metrics show at most 8 hex digits of an id")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func theScriptHasAnETagAndIsNotSentAgainOnAMatch() async throws {
        try await withInProcessServer { server in
            let response = try await server.request("GET", "/livepage/livepage.js")
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("text/javascript") == true, "\(response)")
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            #expect(!response.body.isEmpty)
            let etag = try #require(response.header("ETag"))
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && etag.count > 2, "\(etag)")

            for candidates in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
                let cached = try await server.request("GET", "/livepage/livepage.js", headers: [("If-None-Match", candidates)])
                #expect(cached.status == 304, "If-None-Match: \(candidates): \(cached)")
                #expect(cached.body.isEmpty)
                #expect(cached.header("ETag") == etag)
                #expect(cached.header("X-Content-Type-Options") == "nosniff")
            }
            let stale = try await server.request("GET", "/livepage/livepage.js", headers: [("If-None-Match", "\"other\"")])
            #expect(stale.status == 200)
            #expect(stale.body == response.body)
            let head = try await server.connect().request(TestHTTPRequest("HEAD", "/livepage/livepage.js"))
            #expect(head.status == 200 && head.body.isEmpty && head.header("ETag") == etag)
        }
    }

}

/// What the process and its sockets show: responses counted by the engine, the binary's
/// own copy of `livepage.js`.
@Suite struct RoutingProcessTests {
    @Test(.timeLimit(.minutes(2)))
    func theEngineCountsResponsesByStatus() async throws {
        try await withServer(publishing) { server in
            _ = try server.registerClient()
            _ = try server.registerClient()
            #expect(try server.deliver(#"[{"verb": "remove", "id": "a"}]"#, to: #"{"all": true}"#) == 2)
            _ = try server.poll(unknownClientID)
            // Each event loop adds its counts to the engine's between two rounds of events,
            // so those may lag a response by a moment.
            #expect(try await eventually { try server.metric(#"livepage_http_responses_total{status="201"}"#) == 2 })
            #expect(try await eventually { try server.metric(#"livepage_http_responses_total{status="410"}"#) == 1 })
            #expect(try await eventually { try server.metric(#"livepage_http_responses_total{status="200"}"#) ?? 0 >= 1 })
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func theScriptIsServedByACopyOfTheBinaryRunElsewhere() async throws {
        let original = try await withInProcessServer { server in try await server.request("GET", "/livepage/livepage.js") }
        var template = Array("/tmp/livepage-copy-XXXXXX".utf8CString)
        let directory = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        let copy = directory + "/livepage-server"
        let copying = try ServerProcess(executable: "/bin/cp", arguments: [try LiveServer.executable(), copy])
        #expect(try await copying.waitForExit() == .exited(0))

        let server = try await ServerProcess.start(
            executable: copy, arguments: ["--port", "0"], removingPrefixes: ["LIVEPAGE_"], workingDirectory: directory
        )
        let response = try TestHTTPClient(port: server.port).get("/livepage/livepage.js")
        #expect(response.status == 200)
        #expect(response.body == original.body)
        #expect(response.header("ETag") == original.header("ETag"))
        server.signal(SIGTERM)
        let status = try await server.waitForExit()
        #expect(status == .exited(0), "\(status); standard error:\n\(server.standardError)")
        #expect(try await ServerProcess(executable: "/bin/rm", arguments: ["-rf", directory]).waitForExit() == .exited(0))
    }
}
