import ConcordCore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A server running in this process, for `concord demo` and end-to-end tests.
///
/// ```swift
/// let server = try await RunningServer.start(ConcordServerConfiguration(dbPath: path, port: 0))
/// let token = try await server.admin.addAnalyst(try AnalystName("analyst-a"), role: .analyst)
/// // ... talk to server.url ...
/// try await server.stop()
/// ```
public final class RunningServer: Sendable {
    /// `http://HOST:PORT` (`https` when serving TLS), without a trailing slash.
    public let url: URL
    /// The bound port (the real one when the configuration asked for 0).
    public let port: Int
    /// Administers the analysts of this server's store.
    public let admin: ServerAdmin
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let maker: SnapshotMaker?

    private init(
        url: URL, port: Int, admin: ServerAdmin, group: ServiceGroup, task: Task<Void, any Error>,
        maker: SnapshotMaker?
    ) {
        self.maker = maker
        self.url = url
        self.port = port
        self.admin = admin
        self.group = group
        self.task = task
    }

    /// Starts a server and returns once it accepts connections.
    public static func start(_ configuration: ConcordServerConfiguration) async throws -> RunningServer {
        let store: any ServerStore =
            if let path = configuration.dbPath {
                try await openServerStore(path, logger: configuration.logger)
            } else {
                MemoryServerStore()
            }
        return try await start(configuration, store: store, runsStore: true)
    }

    /// Starts a server on `store` and returns once it accepts connections. The caller opened the store, so the caller
    /// runs its ``ServerStore/service`` (``withRunning(_:_:)``).
    public static func start(_ configuration: ConcordServerConfiguration, store: any ServerStore) async throws
        -> RunningServer
    {
        try await start(configuration, store: store, runsStore: false)
    }

    private static func start(_ configuration: ConcordServerConfiguration, store: any ServerStore, runsStore: Bool)
        async throws -> RunningServer
    {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let (app, maker) = try buildParts(configuration, store: store, runsStore: runsStore) { channel in
            continuation.yield(channel.localAddress?.port ?? configuration.port)
            continuation.finish()
        }
        let group = ServiceGroup(
            configuration: .init(services: [app], logger: configuration.logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw ServerStoreError(path: "", message: "the server stopped before it started listening")
        }
        let url = URL(string: "\(configuration.scheme)://\(configuration.host):\(port)")!
        return RunningServer(
            url: url, port: port, admin: ServerAdmin(store: store, now: configuration.now), group: group, task: task,
            maker: maker)
    }

    /// Makes a snapshot now if the log has grown by ``SnapshotSettings/every`` since the last one, and returns it;
    /// nil if none was due. For servers whose snapshot settings have no interval (tests), where nothing else makes
    /// them.
    @discardableResult
    public func makeSnapshot() async throws -> Wire.SnapshotManifest? {
        try await maker?.makeIfDue()
    }

    /// Stops accepting connections, lets in-flight requests finish, closes the database.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
