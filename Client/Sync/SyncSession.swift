import ConcordCore
import ConcordStore

/// One `concord sync` of a store: on a first sync, the bootstrap from the server's snapshot; then push and pull.
///
/// The bootstrap replaces the store's file whole, which it may only do while no connection has the file open, so
/// the session closes the store around it and opens the file again after. Everything that syncs a store (the CLI,
/// the benchmark, the end-to-end tests) goes through here, so the close–bootstrap–reopen dance is written once.
///
/// ```swift
/// let session = SyncSession(transport: HTTPTransport(server: url, token: token))
/// var store = try LocalStore.open(at: path)
/// let first = try await session.bootstrapIfFirst(&store)   // store is the installed snapshot, if one was
/// let summary = try await session.engine(for: store).run()
/// ```
public struct SyncSession: Sendable {
    public let transport: any SyncTransport
    public var options: SyncEngine.Options
    /// False: a first sync pulls change by change (`concord sync --no-bootstrap`).
    public var bootstrap: Bool
    private let progress: @Sendable (SyncProgress) -> Void
    private let sleep: @Sendable (Duration) async -> Void

    public init(
        transport: any SyncTransport, options: SyncEngine.Options = .init(), bootstrap: Bool = true,
        progress: @escaping @Sendable (SyncProgress) -> Void = { _ in },
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.transport = transport
        self.options = options
        self.bootstrap = bootstrap
        self.progress = progress
        self.sleep = sleep
    }

    /// Bootstraps `store` if it has pulled nothing yet and bootstraps are on; `store` is then the store's file
    /// opened again (the installed snapshot, or the same file when the bootstrap stepped back). Nil when none was
    /// tried. On a throw, `store` is open again too, untouched but for a download kept to resume.
    public func bootstrapIfFirst(_ store: inout LocalStore) async throws -> StoreBootstrap.Outcome? {
        guard bootstrap, try await store.syncLog.metadata().pullCursor == 0 else { return nil }
        let path = store.path
        try await store.syncLog.close()
        let outcome: StoreBootstrap.Outcome
        do {
            outcome = try await StoreBootstrap(
                path: path, transport: transport, attempts: options.attempts, backoff: options.backoff,
                progress: progress
            ).run()
        } catch {
            store = try await LocalStore.opened(at: path)
            throw error
        }
        store = try await LocalStore.opened(at: path)
        return outcome
    }

    /// The engine that pushes and pulls `store`.
    public func engine(for store: LocalStore) -> SyncEngine {
        SyncEngine(store: store, transport: transport, options: options, sleep: sleep, progress: progress)
    }
}
