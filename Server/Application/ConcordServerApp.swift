import ConcordCore
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// The Hummingbird application type the server runs.
public typealias ConcordApplication = Application<RouterResponder<BasicRequestContext>>

/// Builds the server application on the store `configuration.dbPath` names (or in memory).
///
/// Run it with `runService()` (graceful shutdown on SIGTERM/SIGINT: in-flight requests finish, then the
/// database closes), or embed it with ``RunningServer``. `onServerRunning` is called once the server accepts
/// connections, with its listening channel (whose local address has the real port when the configuration asked for 0).
public func buildApplication(
    _ configuration: ConcordServerConfiguration,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> ConcordApplication {
    let store: any ServerStore =
        if let path = configuration.dbPath {
            try await openServerStore(path, logger: configuration.logger)
        } else {
            MemoryServerStore()
        }
    return try buildParts(configuration, store: store, runsStore: true, onServerRunning: onServerRunning).app
}

/// Builds the server application on `store`; the store is closed when the application shuts down. The caller
/// opened the store, so the caller runs its ``ServerStore/service`` (``withRunning(_:_:)``).
public func buildApplication(
    _ configuration: ConcordServerConfiguration, store: any ServerStore,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> ConcordApplication {
    try buildParts(configuration, store: store, runsStore: false, onServerRunning: onServerRunning).app
}

/// ``buildApplication(_:store:onServerRunning:)``, and its snapshot maker, which ``RunningServer`` may call on demand.
/// With `runsStore`, the application runs the store's ``ServerStore/service`` first, so it stops last.
func buildParts(
    _ configuration: ConcordServerConfiguration, store: any ServerStore, runsStore: Bool,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> (app: ConcordApplication, maker: SnapshotMaker?) {
    let router = Router(context: BasicRequestContext.self)
    let metrics = ServerMetrics()
    router.middlewares.add(EdgeMiddleware(metrics: metrics))
    let maker = configuration.snapshots.map { settings in
        SnapshotMaker(
            store: store, shelf: SnapshotShelf(directory: settings.directory), settings: settings,
            logger: configuration.logger)
    }
    let api = SyncAPI(
        store: store, now: configuration.now, rateLimit: configuration.rateLimit, metrics: metrics,
        waitLimit: configuration.maxWait, pollsPerAnalyst: configuration.pollsPerAnalyst, snapshots: maker?.shelf)
    api.register(on: router)
    var services: [any Service] = []
    if runsStore, let service = store.service { services.append(service) }
    services.append(StoreCloser(store: store, logger: configuration.logger))
    // Services stop in reverse order: the listener and the snapshot maker before the store closes, the store's own
    // service (PostgreSQL's connection pool) after it.
    if let shared = store.sharedLog { services.append(CommitListener(log: shared, signal: api.signal)) }
    if let maker { services.append(maker) }
    let limits = configuration.connectionLimits
    let http = HTTPServerBuilder.http1(
        configuration: .init(additionalChannelHandlers: [ConnectionGuard(limits: limits)]))
    let app = Application(
        router: router,
        server: try configuration.tls.map { try .tls(http, tlsConfiguration: $0.serverConfiguration()) } ?? http,
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "concord-server"),
        services: services,
        onServerRunning: onServerRunning,
        logger: configuration.logger)
    return (app, maker)
}

/// Closes the store once the HTTP server has stopped (services shut down in reverse order of start).
struct StoreCloser: Service {
    let store: any ServerStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        try await store.close()
        logger.info("database closed")
    }
}
