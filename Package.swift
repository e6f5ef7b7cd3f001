// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

/// `concord` links the Swift runtime and Foundation statically on Linux: an analyst runs it once per edit, and
/// loading the shared libraries (Foundation, ICU, dispatch, …) cost ~7 of the ~19 ms a bare `concord --help` took
/// (BENCHMARKS.md, *cli*). SwiftPM puts these flags before the libraries the modules autolink, so the runtime's
/// static archives are named again inside one linker group, the same group `swiftc -static-stdlib` passes itself;
/// without it the link fails on ICU and Foundation's internal archives. (`swift build --static-swift-stdlib` does the
/// same for every product; this makes it the default for the one where start-up time is the product.)
let staticSwiftRuntime: [LinkerSetting] = {
    let archives = [
        "swiftCore", "swift_Concurrency", "swift_StringProcessing", "swift_RegexParser", "swiftSynchronization",
        "swiftGlibc", "BlocksRuntime", "dispatch", "swiftDispatch", "_FoundationICU", "CoreFoundation", "Foundation",
        "FoundationEssentials", "FoundationInternationalization", "_FoundationCShims", "_FoundationCollections",
    ]
    let group = ["--start-group"] + archives.map { "-l" + $0 } + ["--end-group", "-lstdc++"]
    return [.unsafeFlags(["-static-stdlib"] + group.flatMap { ["-Xlinker", $0] }, .when(platforms: [.linux]))]
}()

let package = Package(
    name: "Concord",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "concord", targets: ["concord"]),
        .executable(name: "concord-server", targets: ["concord-server"]),
        .library(name: "ConcordCore", targets: ["ConcordCore"]),
        .library(name: "ConcordStore", targets: ["ConcordStore"]),
        .library(name: "ConcordSync", targets: ["ConcordSync"]),
        .library(name: "ConcordServer", targets: ["ConcordServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // Already in the graph through Hummingbird and async-http-client; named because the server imports them
        // (graceful shutdown, the connection guard's HTTP parts, TLS).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // The scale-out store (DESIGN §8): several servers on one PostgreSQL database.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // GET /metrics in Prometheus' text format: one small target over swift-metrics and swift-atomics, which
        // Hummingbird already builds.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "ConcordCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Shared",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(name: "CZlib", path: "Zlib"),
        .target(
            name: "ConcordSQLite",
            dependencies: [
                "ConcordCore",
                "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            path: "SQLite",
            swiftSettings: swiftSettings
        ),
        // The analyst's store: one SQLite file (log, view, tallies, votes), edits, queries, imports, exports. No
        // networking: the server links this module to make snapshots, which are client stores.
        .target(
            name: "ConcordStore",
            dependencies: [
                "ConcordCore",
                "ConcordSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Client/Store",
            swiftSettings: swiftSettings
        ),
        // The sync client: the engine, its HTTP transport, the bootstrap, the watcher and the session that runs them.
        .target(
            name: "ConcordSync",
            dependencies: [
                "ConcordCore",
                "ConcordStore",
                "ConcordSQLite",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            path: "Client/Sync",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ConcordServer",
            dependencies: [
                "ConcordCore",
                // Snapshots for bootstrapping clients are client stores, built by the client's own store code.
                "ConcordStore",
                "ConcordSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Server",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "concord",
            dependencies: [
                // No server code: `concord demo` runs the `concord-server` binary as a process.
                "ConcordCore",
                "ConcordStore",
                "ConcordSync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/concord",
            swiftSettings: swiftSettings,
            linkerSettings: staticSwiftRuntime
        ),
        .executableTarget(
            name: "concord-server",
            dependencies: [
                "ConcordCore",
                "ConcordServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/concord-server",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "concord-bench",
            dependencies: [
                "ConcordCore",
                "ConcordStore",
                "ConcordSync",
                "ConcordServer",
                "ConcordSQLite",
                // The private PostgreSQL cluster of `--store postgres`, the same harness the tests start.
                "ConcordTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/concord-bench",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ConcordTestSupport",
            path: "Tests/Support",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ConcordCoreTests",
            dependencies: ["ConcordCore"],
            path: "Tests/ConcordCoreTests",
            resources: [.copy("merge-vectors.json"), .copy("alpha-vectors.json")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ConcordClientTests",
            dependencies: [
                "ConcordCore",
                "ConcordStore",
                "ConcordSync",
                "ConcordTestSupport",
                "ConcordSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/ConcordClientTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ConcordServerTests",
            dependencies: [
                "ConcordCore",
                "ConcordServer",
                "ConcordTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            path: "Tests/ConcordServerTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "ConcordCore",
                "ConcordStore",
                "ConcordSync",
                "ConcordServer",
                "ConcordSQLite",
                "ConcordTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/EndToEndTests",
            swiftSettings: swiftSettings
        ),
    ]
)
