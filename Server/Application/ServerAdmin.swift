import ConcordCore

/// Adds, lists and revokes analysts (`concord-server analyst ...`).
public struct ServerAdmin: Sendable {
    public let store: any ServerStore
    public let now: @Sendable () -> Int64

    public init(store: any ServerStore, now: @escaping @Sendable () -> Int64 = WallClock.millis) {
        self.store = store
        self.now = now
    }

    /// Runs `body` with the admin of the store `dbPath` names (a SQLite file or a `postgres://` URL), open and
    /// running for its duration (``withServerStore(_:logger:_:)``), closed after.
    public static func with<T>(
        dbPath: String, now: @escaping @Sendable () -> Int64 = WallClock.millis,
        _ body: (ServerAdmin) async throws -> T
    ) async throws -> T {
        try await withServerStore(dbPath) { store in try await body(ServerAdmin(store: store, now: now)) }
    }

    /// Adds an analyst and returns their new token: shown once, only its SHA-256 is kept.
    public func addAnalyst(_ name: AnalystName, role: Role) async throws -> String {
        let token = AccessToken.generate()
        try await store.addAnalyst(
            AnalystRecord(name: name, role: role, tokenHash: AccessToken.hash(token), created: now()))
        return token
    }

    public func listAnalysts() async throws -> [AnalystRecord] { try await store.analysts() }

    /// Revokes `name`'s token: their next request is refused with 401.
    public func revoke(_ name: AnalystName) async throws { try await store.revoke(name, at: now()) }

    public func close() async throws { try await store.close() }
}
