import ConcordCore
import Foundation

/// What a store knows about itself: who writes, where it syncs, and how far it has synced.
public struct StoreMetadata: Hashable, Sendable {
    public var analyst: AnalystName
    public var replica: ReplicaID
    public var server: String?
    public var token: String?
    /// `analyst` until a sync learns the role from the server (`GET /v1/me`).
    public var role: Role
    /// The server `seq` of the last pulled change.
    public var pullCursor: Int64
    public var lastSync: Date?
    /// The greatest clock reading this replica has issued or received.
    public var clock: HLC
    /// Changes in the log, all origins.
    public var changeCount: Int
    public var pendingCount: Int
    public var rejectedCount: Int
    public var eventCount: Int
    public var documentCount: Int
}

/// What ``LocalStore/applyPulled(_:cursor:)`` did.
public struct PullApplyResult: Hashable, Sendable {
    /// Changes new to this store.
    public var applied: Int
    /// Changes it already had (including its own pushed ones coming back).
    public var duplicates: Int
}

/// One open conflict: the candidates of a register field, or a delete/edit conflict (field `deleted`).
///
/// An entity whose `deleted` register is itself in conflict while edits were made concurrently with the delete has
/// two entries for `deleted`, one of each kind, matching ``EntitySnapshot/conflictCount``.
public struct ConflictSummary: Hashable, Sendable {
    public var entity: EntityID
    public var field: String
    /// Register conflicts: the live versions in merge order. Delete/edit conflicts: the live versions of `deleted`,
    /// then the register versions and notes written concurrently with the delete, in merge order (concurrent set
    /// adds are in the snapshot's ``EntitySnapshot/deleteEditConflict`` ids).
    public var candidates: [Version]
    /// True for a delete/edit conflict, false for a register conflict.
    public var isDeleteEdit: Bool

    public init(entity: EntityID, field: String, candidates: [Version], isDeleteEdit: Bool = false) {
        self.entity = entity
        self.field = field
        self.candidates = candidates
        self.isDeleteEdit = isDeleteEdit
    }
}
