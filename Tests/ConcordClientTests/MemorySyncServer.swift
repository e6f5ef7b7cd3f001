import ConcordStore
import ConcordSync
import ConcordCore
import Foundation

/// An in-memory twin of the sync server at the transport seam, with faults a test can switch on: transient
/// failures, refusals that do or do not name the refused change, size limits, a connection cut mid-pull.
///
/// The real server is exercised over a loopback socket by the end-to-end tests; this twin lets the sync engine's
/// retry, split and resume logic be tested deterministically.
actor MemorySyncServer: SyncTransport {
    var log: [Change] = []
    private var known: Set<ChangeID> = []
    let me: Wire.Me
    /// Changes whose value is this string are refused.
    var poison = "POISON"
    /// Whether refusals list the refused changes (422 with detail) or only say the batch was refused.
    var namesRefused = true
    /// Batches larger than this answer 413.
    var maxBatch = Int.max
    /// The next N calls fail with a transient error.
    var transientFailures = 0
    /// Pulls fail (not transiently) after this many succeed.
    var pullsBeforeCut = Int.max
    private(set) var pushCalls = 0
    private(set) var pullCalls = 0

    init(me: Wire.Me) { self.me = me }

    func refuseWithoutNaming() { namesRefused = false }
    func limitBatch(to count: Int) { maxBatch = count }
    func failNext(_ count: Int) { transientFailures = count }
    func cutPulls(after count: Int) { pullsBeforeCut = count }

    /// Adds changes as if other analysts had pushed them.
    func seed(_ changes: [Change]) {
        for change in changes where known.insert(change.id).inserted { log.append(change) }
    }

    nonisolated func me() async throws(SyncError) -> Wire.Me { await meValue() }
    private func meValue() -> Wire.Me { me }

    private func failIfAsked() -> SyncError? {
        if transientFailures > 0 {
            transientFailures -= 1
            return .transient("injected failure")
        }
        return nil
    }

    nonisolated func push(_ request: Wire.PushRequest) async throws(SyncError) -> PushOutcome {
        try await pushIsolated(request).get()
    }

    private func pushIsolated(_ request: Wire.PushRequest) -> Result<PushOutcome, SyncError> {
        pushCalls += 1
        if let error = failIfAsked() { return .failure(error) }
        if request.changes.count > maxBatch { return .success(.tooLarge(message: "batch too large")) }
        let bad = request.changes.enumerated().filter { $0.element.value == .string(poison) }
        if !bad.isEmpty {
            let refused =
                namesRefused
                ? bad.map { Wire.RefusedChange(index: $0.offset, id: $0.element.id.rawValue, error: "poisoned value") }
                : []
            return .success(.refused(status: 422, message: "\(bad.count) changes refused", refused: refused))
        }
        var accepted = 0
        for change in request.changes where known.insert(change.id).inserted {
            log.append(change)
            accepted += 1
        }
        return .success(
            .accepted(
                Wire.PushResponse(
                    accepted: accepted, duplicates: request.changes.count - accepted, cursor: Int64(log.count))))
    }

    nonisolated func pull(after cursor: Int64, limit: Int) async throws(SyncError) -> Wire.PullPage {
        try await pullIsolated(after: cursor, limit: limit).get()
    }

    private func pullIsolated(after cursor: Int64, limit: Int) -> Result<Wire.PullPage, SyncError> {
        pullCalls += 1
        if let error = failIfAsked() { return .failure(error) }
        if pullCalls > pullsBeforeCut { return .failure(.server(status: 500, message: "connection cut")) }
        let start = Int(cursor)
        let end = min(log.count, start + limit)
        let page = (start..<end).map { Wire.SequencedChange(seq: Int64($0 + 1), change: log[$0]) }
        return .success(Wire.PullPage(changes: page, next: Int64(end), more: end < log.count))
    }
}
