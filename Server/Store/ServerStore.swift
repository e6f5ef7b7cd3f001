import ConcordCore

/// Where the server keeps the change log, the merged view and the analysts.
///
/// The seam for scale-out (DESIGN §8): ``SQLiteServerStore`` is the embedded default, ``MemoryServerStore`` its
/// in-memory twin for tests; a PostgreSQL store would let several stateless servers share one database. Every
/// implementation checks a push with ``PushPlanner`` and folds it with the ConcordCore merge, inside one
/// transaction that also assigns `seq`, so a cursor never skips a change.
public protocol ServerStore: Sendable {
    /// Checks and stores a batch atomically: either every new change is stored (duplicates counted) or nothing is.
    func push(_ changes: [Change], replica: ReplicaID, by analyst: AnalystRecord, now: Int64) async throws -> PushResult

    /// Up to `limit` stored changes with `seq > after`, in `seq` order.
    func changes(after: Int64, limit: Int) async throws -> ChangePage

    /// The merged view of one entity, or nil if no change to it is stored.
    func snapshot(of entity: EntityID) async throws -> EntitySnapshot?

    /// Snapshots of every entity with an open conflict (a register conflict or a delete/edit conflict), by id.
    func conflictedSnapshots() async throws -> [EntitySnapshot]

    /// Snapshots of every entity, by id (for reports).
    func allSnapshots() async throws -> [EntitySnapshot]

    /// How many changes are stored.
    func changeCount() async throws -> Int64

    /// Adds an analyst; throws ``AdminError/analystExists(_:)`` when the name is taken.
    func addAnalyst(_ analyst: AnalystRecord) async throws

    /// Every analyst, revoked ones included, by name.
    func analysts() async throws -> [AnalystRecord]

    /// Revokes an analyst's token; throws ``AdminError/unknownAnalyst(_:)`` for an unknown name.
    func revoke(_ name: AnalystName, at: Int64) async throws

    /// Finishes pending work and releases the database.
    func close() async throws
}

/// One stored change as the pull route sends it: its commit order and its canonical JSON.
public struct StoredChange: Hashable, Sendable {
    public var seq: Int64
    /// The change's canonical JSON object (``Change/canonicalEncoder()``).
    public var body: [UInt8]

    public init(seq: Int64, body: [UInt8]) {
        self.seq = seq
        self.body = body
    }
}

/// A page of the change log.
public struct ChangePage: Hashable, Sendable {
    public var changes: [StoredChange]
    /// Whether changes after the last one of this page exist.
    public var more: Bool

    public init(changes: [StoredChange], more: Bool) {
        self.changes = changes
        self.more = more
    }
}

/// What a push did.
public enum PushResult: Hashable, Sendable {
    /// Every change was new or a duplicate; the new ones are stored.
    case stored(Wire.PushResponse)
    /// Nothing was stored.
    case refused(PushRefusal)
}

/// Why a batch was refused, with one entry per refused change.
public struct PushRefusal: Error, Hashable, Sendable {
    public enum Reason: String, Hashable, Sendable {
        /// The analyst may not write some change (forged author, role): HTTP 403.
        case forbidden
        /// Some change is invalid (schema, clock, id reused): HTTP 422.
        case invalid
    }

    public var reason: Reason
    public var refused: [Wire.RefusedChange]

    public init(reason: Reason, refused: [Wire.RefusedChange]) {
        self.reason = reason
        self.refused = refused
    }

    /// A sentence for the error body.
    public var message: String {
        let count = refused.count == 1 ? "1 change" : "\(refused.count) changes"
        switch reason {
        case .forbidden:
            return "batch refused, nothing was stored: \(count) may not be written by this analyst (see detail)"
        case .invalid:
            return
                "batch refused, nothing was stored: \(count) invalid (see detail); fix or set them aside and push again"
        }
    }
}

/// An administration request that cannot be carried out.
public enum AdminError: Error, Hashable, Sendable, CustomStringConvertible {
    case analystExists(AnalystName)
    case unknownAnalyst(AnalystName)

    public var description: String {
        switch self {
        case .analystExists(let name):
            return "an analyst named \(name) already exists; choose another name, or revoke and re-add under a new one"
        case .unknownAnalyst(let name):
            return "no analyst named \(name); `concord-server analyst list` shows who exists"
        }
    }
}
