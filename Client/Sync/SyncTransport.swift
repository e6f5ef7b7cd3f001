import ConcordCore
import ConcordStore
import NIOCore

/// How the sync engine talks to a sync server: the seam between the protocol logic and HTTP.
///
/// ``HTTPTransport`` is the real one; tests may use an in-memory twin that injects faults.
public protocol SyncTransport: Sendable {
    /// `GET /v1/me`: who the token belongs to.
    func me() async throws(SyncError) -> Wire.Me
    /// `POST /v1/changes`.
    func push(_ request: Wire.PushRequest) async throws(SyncError) -> PushOutcome
    /// `GET /v1/changes?after=S&limit=N`.
    func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> Wire.PullPage
    /// `GET /v1/changes?after=S&limit=N&known=SEQ:ID` (protocol.md §5): a pull that first checks the server still
    /// holds the change this store last saw at SEQ; ``SyncError/logRewound(_:)`` when it does not.
    func pull(after cursor: Int64, limit: Int, known: KnownPoint?) async throws(SyncError) -> Wire.PullPage
    /// `GET /v1/changes?after=S&limit=1&wait=SECONDS` (protocol.md §14): returns true as soon as a change after `cursor`
    /// is on the server, false when `seconds` passed without one.
    func waitForChanges(after cursor: Int64, seconds: Int) async throws(SyncError) -> Bool
    /// `GET /v1/changes?doc=D&after=S&through=T&limit=N` (protocol.md §15): what was withheld of `document` in
    /// `(after, through]` while it was blind for this analyst; `.server(status: 409, …)` while it still is.
    func backfill(document: EntityID, after: Int64, through: Int64, limit: Int) async throws(SyncError)
        -> Wire.PullPage
    /// `GET /v1/snapshot` (protocol.md §14): the newest store snapshot the server offers, or nil when it offers none.
    func snapshotManifest() async throws(SyncError) -> Wire.SnapshotManifest?
    /// `GET /v1/snapshot/{seq}`, from byte `offset` on (a `Range` request when `offset > 0`), handing the bytes
    /// from `offset` on to `sink` chunk by chunk. False when the server no longer has that snapshot.
    func downloadSnapshot(seq: Int64, from offset: Int64, into sink: any SnapshotSink) async throws -> Bool
}

/// Where a snapshot download's bytes go, in order, as they arrive. ``HTTPTransport`` calls it on its network
/// thread, one chunk at a time, never two at once; an error it throws ends the download.
public protocol SnapshotSink: AnyObject, Sendable {
    func write(_ bytes: ByteBuffer) throws
}

extension SyncTransport {
    /// Without long polls: whether a change after `cursor` is there now (``SyncWatcher`` paces its own loop).
    public func waitForChanges(after cursor: Int64, seconds: Int) async throws(SyncError) -> Bool {
        !(try await pull(after: cursor, limit: 1).changes.isEmpty)
    }

    /// Without the check.
    public func pull(after cursor: Int64, limit: Int, known: KnownPoint?) async throws(SyncError) -> Wire.PullPage {
        try await pull(after: cursor, limit: limit)
    }

    /// Without blind coding nothing is withheld: nothing to ask for again.
    public func backfill(document: EntityID, after: Int64, through: Int64, limit: Int) async throws(SyncError)
        -> Wire.PullPage
    {
        Wire.PullPage(changes: [], next: through, more: false)
    }

    /// Without snapshots: a first sync pulls change by change.
    public func snapshotManifest() async throws(SyncError) -> Wire.SnapshotManifest? { nil }

    public func downloadSnapshot(seq: Int64, from offset: Int64, into sink: any SnapshotSink) async throws -> Bool {
        false
    }
}

/// The server's answer to a push.
public enum PushOutcome: Sendable, Equatable {
    /// The whole batch was stored (new or duplicate).
    case accepted(Wire.PushResponse)
    /// Nothing was stored; these changes of the batch were refused (422, or 403 for role and author rules).
    /// `refused` may be empty when the server did not say which.
    case refused(status: Int, message: String, refused: [Wire.RefusedChange])
    /// The body was too large for the server (413): send smaller batches.
    case tooLarge(message: String)
}
