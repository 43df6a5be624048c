// swift-tools-version:6.0
//
// LivePage keeps web pages live over HTTP long-polling. The product depends on the
// Swift toolchain alone: this manifest names no package dependency, and must not.

import PackageDescription

let package = Package(
    name: "LivePage",
    products: [
        .library(name: "LivePageEvents", targets: ["LivePageEvents"]),
        .library(name: "LivePage", targets: ["LivePage"]),
        .library(name: "LivePageServer", targets: ["LivePageServer"]),
        .library(name: "LivePageTesting", targets: ["LivePageTesting"]),
        .executable(name: "livepage-server", targets: ["livepage-server"]),
    ],
    targets: [
        // Events, verbs and the event registry. Depends on nothing.
        .target(name: "LivePageEvents"),

        // Clients, queues, parking, presence and routing. Knows no HTTP.
        .target(name: "LivePage", dependencies: ["LivePageEvents", "LivePageSystem"]),

        // epoll, eventfd and thread names, which Glibc does not export to Swift.
        .target(name: "CLinuxSystem"),

        // What the engine, the clock and the Redis client share: system calls, named
        // threads, the one type for time, and the reactor seam (the engine's event loops
        // as the Redis client and the clock see them).
        .target(name: "LivePageSystem", dependencies: ["CLinuxSystem"]),

        // The HTTP/1.1 engine: sockets, epoll event loops, the parser. Knows no LivePage.
        .target(name: "LivePageHTTP", dependencies: ["CLinuxSystem", "LivePageSystem"]),

        // A Redis client: RESP2, its sockets on a reactor (the engine's event loops), no
        // thread of its own. Knows no LivePage and no HTTP.
        .target(name: "LivePageRedis", dependencies: ["LivePageSystem"]),

        // The LivePage routes on the engine, tokens, configuration, embedded assets, the
        // Redis bus, and the manager's clock on the engine's event loops.
        .target(
            name: "LivePageServer", dependencies: ["LivePage", "LivePageHTTP", "LivePageRedis", "LivePageSystem"],
            plugins: ["EmbedResources"]),

        // A server's routes in-process, on a manual clock, without sockets: for the tests
        // of embedders and of LivePage itself.
        .target(name: "LivePageTesting", dependencies: ["LivePageServer", "LivePageHTTP"]),

        // The `livepage-server` command.
        .executableTarget(name: "livepage-server", dependencies: ["LivePage", "LivePageRedis", "LivePageServer"]),

        // Compiles Resources/ (livepage.js, the demo pages) into the server binary,
        // so the binary serves them wherever it is copied.
        .plugin(
            name: "EmbedResources",
            capability: .buildTool(),
            dependencies: ["EmbedResourcesTool"]
        ),
        .executableTarget(name: "EmbedResourcesTool", path: "Plugins/EmbedResourcesTool"),

        // The README's embedding example, a live poll, as a program run until SIGTERM:
        // `swift run PollApp`. The tests run it in-process and as a process.
        .executableTarget(name: "PollApp", dependencies: ["LivePageServer"], path: "examples/swift_app"),

        .testTarget(name: "LivePageEventsTests", dependencies: ["LivePageEvents"]),
        .testTarget(name: "LivePageTests", dependencies: ["LivePage"]),
        // A small server on the engine, run as a separate process by the engine's tests.
        .executableTarget(
            name: "HTTPTestServer",
            dependencies: ["LivePageHTTP"],
            path: "Tests/Fixtures/HTTPTestServer"
        ),
        .testTarget(
            name: "LivePageHTTPTests",
            dependencies: ["LivePageHTTP", "HTTPTestServer", "LivePageTestSupport", "LivePageSystem"]),
        // Raw HTTP client, child-process and polling helpers shared by the test targets.
        .target(name: "LivePageTestSupport", dependencies: ["LivePageSystem"], path: "Tests/Support"),
        // The Redis tests run their connections on an event loop of the engine, as a server does.
        .testTarget(
            name: "LivePageRedisTests",
            dependencies: ["LivePageRedis", "LivePageHTTP", "LivePageSystem", "LivePageTestSupport", "CLinuxSystem"]),
        .testTarget(
            name: "LivePageServerTests",
            dependencies: [
                "LivePageServer", "LivePageTesting", "livepage-server", "PollApp", "LivePageTestSupport", "CLinuxSystem",
            ]
        ),
    ]
)

// Strict settings for every Swift target, as swift-log does: Swift 6 language mode
// with complete concurrency checking, explicit `any`, and imports that must be named
// (and marked `public` when they show in the API).
for target in package.targets where target.type != .plugin && target.type != .system {
    guard target.name != "CLinuxSystem" else { continue }
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
