import ConcordCore
import Foundation

/// What a store knows about itself: who writes, where it syncs, and how far it has synced.
public struct StoreMetadata: Hashable, Sendable {
    public var analyst: AnalystName
    public var replica: ReplicaID
    public var server: String?
    public var token: String?
    /// The PEM file of the certificate authorities an `https` server is checked against, instead of the system's.
    public var caFile: String?
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
