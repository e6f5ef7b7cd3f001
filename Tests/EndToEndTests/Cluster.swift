import ConcordStore
import ConcordSync
import ConcordCore
import ConcordServer
import Foundation
import Logging

/// A real sync server on a loopback port and several analysts' stores in a temporary directory.
final class Cluster: @unchecked Sendable {
    let directory: URL
    let server: RunningServer
    private(set) var stores: [String: LocalStore] = [:]
    private(set) var tokens: [String: String] = [:]

    static let seeds: [String] = {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../seeds")
            .standardized
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".txt") }
            .sorted().map { dir.appendingPathComponent($0).path }
    }()

    /// - Parameter snapshotEvery: the server makes store snapshots (protocol.md §14) when ``makeSnapshot()`` asks and the
    ///   log grew by this many changes since the last one; nil makes none.
    init(now: @escaping @Sendable () -> Int64 = WallClock.millis, snapshotEvery: Int? = nil) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "concord-e2e")
        logger.logLevel = .critical
        var configuration = ConcordServerConfiguration(
            dbPath: directory.appendingPathComponent("server.sqlite").path, port: 0, logger: logger, now: now)
        let snapshots = directory.appendingPathComponent("snapshots").path
        configuration.snapshots = snapshotEvery.map { SnapshotSettings(directory: snapshots, every: $0, interval: nil) }
        server = try await RunningServer.start(configuration)
    }

    /// Registers an analyst on the server and creates their store.
    @discardableResult
    func analyst(
        _ name: String, role: Role = .analyst, clock: @escaping @Sendable () -> Int64 = WallClock.millis
    ) async throws -> LocalStore {
        let token = try await server.admin.addAnalyst(try AnalystName(name), role: role)
        let store = try LocalStore.create(
            at: directory.appendingPathComponent("\(name).sqlite").path, analyst: try AnalystName(name),
            server: server.url.absoluteString, token: token, now: clock, ids: UUIDv7Generator(now: clock))
        stores[name] = store
        tokens[name] = token
        return store
    }

    func store(_ name: String) -> LocalStore { stores[name]! }

    @discardableResult
    func sync(_ name: String, options: SyncEngine.Options = .init(), transport: (any SyncTransport)? = nil) async throws
        -> SyncSummary
    {
        let store = stores[name]!
        let engine = SyncEngine(
            store: store,
            transport: transport ?? HTTPTransport(server: server.url.absoluteString, token: tokens[name]!),
            options: options, sleep: { _ in })
        return try await engine.run()
    }

    /// Adds `store` (a copy of another's, say) as `name`'s, syncing with `token`.
    func adopt(_ name: String, store: LocalStore, token: String) {
        stores[name] = store
        tokens[name] = token
    }

    func token(_ name: String) -> String { tokens[name]! }

    /// A first sync's bootstrap (``StoreBootstrap``) of `name`'s store, through ``SyncSession`` as `concord sync`
    /// runs it: the store is closed around it and opened again.
    @discardableResult
    func bootstrap(_ name: String, transport: (any SyncTransport)? = nil) async throws -> StoreBootstrap.Outcome {
        var options = SyncEngine.Options()
        options.backoff = .milliseconds(1)
        let session = SyncSession(
            transport: transport ?? HTTPTransport(server: server.url.absoluteString, token: tokens[name]!),
            options: options)
        var store = stores[name]!
        defer { stores[name] = store }
        guard let outcome = try await session.bootstrapIfFirst(&store) else { return .skipped(.syncedBefore) }
        return outcome
    }

    /// The transport `name` syncs through.
    func transport(_ name: String) -> HTTPTransport {
        HTTPTransport(server: server.url.absoluteString, token: tokens[name]!)
    }

    /// Syncs everyone twice, so every change reaches every replica.
    func syncAll() async throws {
        for _ in 0..<2 {
            for name in stores.keys.sorted() { try await sync(name) }
        }
    }

    /// Runs `body` on a new cluster and shuts the cluster down when `body` returns or throws, before the test goes
    /// on: the server has stopped and its folder is gone when the test ends, so no teardown races the next test.
    static func with<T>(
        now: @escaping @Sendable () -> Int64 = WallClock.millis, snapshotEvery: Int? = nil,
        _ body: (Cluster) async throws -> T
    ) async throws -> T {
        let cluster = try await Cluster(now: now, snapshotEvery: snapshotEvery)
        do {
            let result = try await body(cluster)
            await cluster.shutdown()
            return result
        } catch {
            await cluster.shutdown()
            throw error
        }
    }

    func shutdown() async {
        try? await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
