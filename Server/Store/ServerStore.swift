import ConcordCore
import Logging
import ServiceLifecycle

/// Where the server keeps the change log, the merged view and the analysts.
///
/// The seam for scale-out (protocol.md §8): ``SQLiteServerStore`` is the embedded default, ``MemoryServerStore`` its
/// in-memory twin for tests, ``PostgresServerStore`` lets several stateless servers share one database. Every
/// implementation checks a push with ``PushPlanner`` and folds it with the ConcordCore merge, inside one
/// transaction that also assigns `seq`, so a cursor never skips a change.
public protocol ServerStore: Sendable {
    /// Checks and stores a batch atomically: either every new change is stored (duplicates counted) or nothing is.
    /// `visibility` is what the pushing analyst may not see: a change it withholds is judged as one not held.
    func push(
        _ changes: [Change], replica: ReplicaID, by analyst: AnalystRecord, now: Int64, visibility: Visibility?
    ) async throws -> PushResult

    /// The documents with coding fields (`assigned`, `submitted`, `released`; protocol.md §15), as their state.
    func codingDocuments() async throws -> [Blinding.Document]

    /// The events of `documents`, each with the document its first `doc` change names and that change's `seq`.
    func eventHomes(in documents: Set<EntityID>) async throws -> [EntityID: EventHome]

    /// Up to `limit` stored changes with `seq > after`, in `seq` order.
    func changes(after: Int64, limit: Int) async throws -> ChangePage

    /// The merged view of one entity, or nil if no change to it is stored.
    func snapshot(of entity: EntityID) async throws -> EntitySnapshot?

    /// Snapshots of every entity with an open conflict (a register conflict or a delete/edit conflict), by id.
    func conflictedSnapshots() async throws -> [EntitySnapshot]

    /// Snapshots of every entity, by id (for reports).
    func allSnapshots() async throws -> [EntitySnapshot]

    /// Every stored change in `seq` order.
    func allChanges() async throws -> [Change]

    /// What the conflict report needs (``ReportInputs``), gathered however the store can do it cheapest.
    func reportInputs() async throws -> ReportInputs

    /// How many changes are stored.
    func changeCount() async throws -> Int64

    /// The id of the change stored at `seq`, or nil when there is none (protocol.md §5: a rewound log).
    func changeID(at seq: Int64) async throws -> String?

    /// Adds an analyst; throws ``AdminError/analystExists(_:)`` when the name is taken.
    func addAnalyst(_ analyst: AnalystRecord) async throws

    /// Every analyst, revoked ones included, by name.
    func analysts() async throws -> [AnalystRecord]

    /// Revokes an analyst's token; throws ``AdminError/unknownAnalyst(_:)`` for an unknown name.
    func revoke(_ name: AnalystName, at: Int64) async throws

    /// Finishes pending work and releases the database.
    func close() async throws

    /// What the store runs in the background while it is open, or nil when it needs nothing running (SQLite,
    /// memory). The PostgreSQL store's connection pool is one: a query waits until it runs. Whoever opens a store
    /// runs it, structured: the application that opened it in its service group (``buildApplication(_:)``,
    /// ``RunningServer/start(_:)``), anything else with ``withRunning(_:_:)``.
    var service: (any Service)? { get }

    /// The store's log as other server processes also write it, or nil when this process is its only writer
    /// (SQLite, memory): then this process's own pushes are all the commits a long poll waits for.
    var sharedLog: (any SharedLog)? { get }

    /// Where the server processes of one database keep the snapshots they all serve, or nil when this process is
    /// the database's only server (SQLite, memory): then its snapshot folder is the only copy.
    var sharedSnapshots: (any SharedSnapshots)? { get }
}

extension ServerStore {
    public var service: (any Service)? { nil }
    public var sharedLog: (any SharedLog)? { nil }
    public var sharedSnapshots: (any SharedSnapshots)? { nil }
}

/// The snapshots of a database that several server processes share (PostgreSQL, protocol.md §14.3): one process at
/// a time, the lease holder, folds the log and publishes snapshots; every process copies the newest into its own
/// folder and serves it from there.
public protocol SharedSnapshots: Sendable {
    /// Takes the lease on making snapshots for `seconds`, or renews it for its holder: true when `holder` holds it.
    func claimSnapshotLease(holder: String, seconds: Int64) async throws -> Bool

    /// The newest published snapshot.
    func newestSharedSnapshot() async throws -> Wire.SnapshotManifest?

    /// Stores the pack file at `path` as the snapshot `manifest` describes, keeping it and the one before; a
    /// snapshot older than the newest stored is ignored.
    func publishSharedSnapshot(_ manifest: Wire.SnapshotManifest, from path: String) async throws

    /// Writes the stored snapshot at `seq` to the new file `path`; false when it is no longer stored.
    func copySharedSnapshot(seq: Int64, to path: String) async throws -> Bool
}

/// A change log that several server processes commit to (PostgreSQL, protocol.md §13): what a long poll must watch
/// besides this process's own pushes.
public protocol SharedLog: Sendable {
    /// The greatest committed `seq`, read from the database: the long polls' safety net.
    func lastSeq() async throws -> Int64

    /// Calls `onCommit` with the `seq` of each commit by any server process, as the database announces them, until
    /// the task is cancelled.
    func commits(_ onCommit: @escaping @Sendable (Int64) -> Void) async
}

/// Opens the store `location` names: a `postgres://` (or `postgresql://`) URL is a PostgreSQL database, anything
/// else the path of a SQLite file. The caller runs the store's ``ServerStore/service`` (see ``withServerStore(_:logger:_:)``).
public func openServerStore(_ location: String, logger: Logger = Logger(label: "concord-server")) async throws
    -> any ServerStore
{
    if PostgresServerStore.isURL(location) { return try await PostgresServerStore(url: location, logger: logger) }
    return try SQLiteServerStore(path: location)
}

/// Opens the store `location` names, runs `body` with it while its ``ServerStore/service`` runs, then closes it:
/// for a store used outside an application (an admin command, a benchmark, a test).
public func withServerStore<T>(
    _ location: String, logger: Logger = Logger(label: "concord-server"),
    _ body: (any ServerStore) async throws -> T
) async throws -> T {
    let store = try await openServerStore(location, logger: logger)
    return try await withRunning(store) { try await body(store) }
}

/// Runs `body` while `store`'s ``ServerStore/service`` runs in a child task, then closes the store and stops the
/// service, whether `body` returns or throws.
public func withRunning<T>(_ store: any ServerStore, _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        if let service = store.service { group.addTask { try await service.run() } }
        defer { group.cancelAll() }
        let result: T
        do {
            result = try await body()
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        return result
    }
}

/// `location` as it may be shown and logged: a PostgreSQL URL without its password.
public func displayedLocation(_ location: String) -> String {
    guard PostgresServerStore.isURL(location) else { return location }
    return (try? PostgresServerStore.configuration(location).redacted) ?? "the PostgreSQL database"
}
