// The README's "Embedding LivePage in a Swift app" example: a live poll, run by the tests
// in their process (ReadmeExampleTests) and as this executable (PollAppProcessTests, the
// browser suite). The README holds the lines between the markers exactly.

// README example begins
import LivePageServer

/// A live poll: visitors vote, every open page shows each vote as it is cast, and
/// everyone sees who is online. `start()` it, or `run()` it.
func makePollServer(port: Int) throws -> LivePageServer {
    var configuration = LivePageServer.Configuration()
    configuration.port = port

    // The application's own page. Its client is registered while the page renders, so
    // no vote cast between now and the page's first poll is lost.
    let server = try LivePageServer(configuration: configuration) { request, server in
        // Only the poll is a page: any other path (the browser's /favicon.ico) registers no client.
        guard request.path == "/" else { return HTTPResponse(status: .notFound, body: "No such page.") }
        let name = request.queryParameter("name").flatMap { $0.isEmpty ? nil : $0 }
        let page = try server.openPage(at: "/poll", principal: name, presence: .list)
        var headers = PageSession.headers
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        let html = """
            <!doctype html><meta charset="utf-8"><title>Poll</title>
            <button onclick="vote('tea')">Tea</button> <button onclick="vote('coffee')">Coffee</button>
            <p id="refusal" role="alert"></p>
            <ul id="votes"></ul> Online: <ul data-livepage-online></ul>
            <script>
            function vote(option) {  // a refused vote says why, on the page
              document.getElementById("refusal").textContent = "";
              LivePage.send("vote", {option}).catch((error) => {
                document.getElementById("refusal").textContent = error.message;
              });
            }
            </script>
            \(page.scriptTags)
            """
        return HTTPResponse(status: .ok, headers: headers, body: Array(html.utf8))
    }

    // A verb of the application's own, which pages may send as input.
    server.registry.register("vote", input: .allowed) { fields throws(EventError) in
        let option = try fields.string("option")
        guard option == "tea" || option == "coffee" else {
            throw .invalidField("option", reason: "must be tea or coffee")
        }
        return Append(id: "votes", html: "<li>\(option)</li>")
    }

    // The input handler decides where input goes: here only named visitors may vote,
    // and each vote reaches every page of the poll.
    server.manager.setInputHandler { input in
        guard input.sender.principal != nil else {
            throw ManagerError.inputRejected("Give your name to vote.")
        }
        return try await input.send(input.event, to: .location("/poll"))
    }

    return server
}
// README example ends
