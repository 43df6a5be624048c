// swift-tools-version:6.0
//
// LivePage's wire benchmark: `livepage-bench` starts a release build of
// `livepage-server`, parks thousands of long-polling clients on it, fans events out and
// prints latency percentiles, deliveries per second and memory per client.
//
// A package of its own, so that the product (the package one folder up) keeps depending
// on the Swift toolchain alone. It uses only the product's public libraries.

import PackageDescription

let package = Package(
    name: "LivePageBenchmarks",
    products: [
        .executable(name: "livepage-bench", targets: ["livepage-bench"])
    ],
    dependencies: [
        .package(name: "LivePage", path: "../")
    ],
    targets: [
        // epoll, rlimits, source-address binding and a child spawn that dies with its
        // parent: what Glibc does not export to Swift, or what is safer in C.
        .target(name: "CBenchSystem"),

        // The load generator: one thread, non-blocking sockets, epoll.
        .executableTarget(
            name: "livepage-bench",
            dependencies: [
                "CBenchSystem",
                .product(name: "LivePageEvents", package: "LivePage"),
            ]
        ),
    ]
)

// The same strict settings as the product's Package.swift: Swift 6 language mode with
// complete concurrency checking, explicit `any`, and imports that must be named.
for target in package.targets where target.type != .plugin && target.type != .system {
    guard target.name != "CBenchSystem" else { continue }
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
