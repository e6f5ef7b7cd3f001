import ConcordCore
import ConcordStore
import Foundation

/// Pushes a store's pending changes, then pulls what the server has, resumably (protocol.md §7 "sync").
///
/// - Pushes go in batches. A batch the server refuses is narrowed down: the changes the server names are set aside
///   as *rejected* (kept in the log, listed by `concord status`) and the rest is pushed again. If the server does
///   not say which change it refused, the batch is split in halves until it does.
/// - Pulled pages are applied together with the new cursor in one transaction, so a sync killed at any instant
///   resumes where it stopped, with nothing lost or doubled.
/// - Transient failures are retried with exponential backoff; then the sync stops with local data untouched.
public struct SyncEngine: Sendable {
    public struct Options: Sendable {
        public var pushBatch = 5_000
        /// Changes asked for per pulled page: the server's largest page, so an initial sync commits (and fsyncs)
        /// as few times as it can, and an entity that several pages touch is loaded, folded and rewritten fewer
        /// times (measured in BENCHMARKS.md, *Figures behind design choices*).
        public var pullPage = 20_000
        public var attempts = 4
        /// First backoff; doubles on every retry.
        public var backoff: Duration = .milliseconds(200)
        public init() {}
    }

    private let store: LocalStore
    private let transport: any SyncTransport
    private let options: Options
    private let sleep: @Sendable (Duration) async -> Void
    private let progress: @Sendable (SyncProgress) -> Void

    public init(
        store: LocalStore, transport: any SyncTransport, options: Options = Options(),
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) },
        progress: @escaping @Sendable (SyncProgress) -> Void = { _ in }
    ) {
        self.store = store
        self.transport = transport
        self.options = options
        self.sleep = sleep
        self.progress = progress
    }

    /// Runs one full sync: who am I, push everything pending, pull everything new.
    public func run() async throws -> SyncSummary {
        var summary = SyncSummary()
        let analyst = try await store.syncLog.metadata().analyst
        // The conflicts before the sync, read only once the sync is about to change the view (a pulled page, a
        // refused change): reading them costs seconds on a large store, and a sync with nothing new (most rounds of
        // `sync --watch`) need not pay it twice.
        var before: ConflictState?
        let me = try await retrying { () throws(SyncError) in try await transport.me() }
        let metadata = try await store.syncLog.metadata()
        if me.name != metadata.analyst {
            throw SyncError.server(
                status: 403,
                message: "the token belongs to \(me.name), but this store is \(metadata.analyst)'s; use your own token")
        }
        if me.role != metadata.role { try await store.syncLog.setRole(me.role) }
        summary.role = me.role

        try await push(into: &summary, before: &before, analyst: analyst)
        do {
            try await pull(into: &summary, before: &before, analyst: analyst)
        } catch let error as SyncError {
            guard case .logRewound(let message) = error else { throw error }
            // The server came back with an older log (protocol.md §5): push every own change again (it keeps one
            // copy of each), pull from the start (what is here already is skipped), and say so.
            try await noteBefore(&before, analyst: analyst)
            let again = try await store.syncLog.prepareForRewoundLog()
            let pushedBefore = summary.pushed
            try await push(into: &summary, before: &before, analyst: analyst)
            let pulledBefore = summary.pulled
            try await pull(into: &summary, before: &before, analyst: analyst)
            summary.rewound = SyncSummary.Rewind(
                message: message, resent: again, restored: summary.pushed - pushedBefore,
                received: summary.pulled - pulledBefore)
        }
        try await backfill(into: &summary, before: &before, analyst: analyst, role: me.role)
        summary.needNewer = try await store.syncLog.newerSchemaCount()

        try await store.syncLog.recordSync(at: Date())
        if let before, before.conflicts.isEmpty, before.disagreements.isEmpty,
            try await !store.syncLog.viewHolds(authorOf: analyst)
        {
            // No conflict before (a first sync, mostly) and no version of this analyst's in the view: every open
            // conflict is new, and none is a disagreement of theirs. Counting them spares reading every conflicted
            // entity (~1 s after a first pull of a million changes).
            summary.openConflicts = try await store.syncLog.openConflictCount()
            summary.newConflicts = summary.openConflicts
        } else if let before {
            let after = try await conflictState(of: analyst)
            summary.newConflicts = after.conflicts.subtracting(before.conflicts).count
            summary.openConflicts = after.conflicts.count
            summary.news.newDisagreements = after.disagreements.subtracting(before.disagreements)
                .sorted { ($0.other, $0.subject, $0.field) < ($1.other, $1.subject, $1.field) }
        } else {
            // Nothing changed the view: no new conflict or disagreement, and the open ones are counted.
            summary.openConflicts = try await store.syncLog.openConflictCount()
        }
        return summary
    }

    typealias ConflictState = (conflicts: Set<String>, disagreements: Set<SyncNews.Disagreement>)

    /// Reads the conflicts before the sync, if not read yet: called just before the first write that can change them.
    private func noteBefore(_ before: inout ConflictState?, analyst: AnalystName) async throws {
        if before == nil { before = try await conflictState(of: analyst) }
    }

    /// The open conflicts (by entity, field and kind) and the disagreements involving `analyst`, from one read of
    /// the conflicts and the cluster disagreements.
    private func conflictState(of analyst: AnalystName) async throws -> ConflictState {
        let (conflicts, clusters) = try await store.syncLog.conflicts()
        let disagreements = SyncNews.disagreements(of: analyst, conflicts: conflicts, clusters: clusters)
        return (Set(conflicts.map { "\($0.entity) \($0.field) \($0.kind ?? "")" }), disagreements)
    }

    private func push(into summary: inout SyncSummary, before: inout ConflictState?, analyst: AnalystName)
        async throws
    {
        let replica = try await store.syncLog.metadata().replica
        var batchSize = options.pushBatch
        let total = try await store.syncLog.pendingCount()
        var sent = 0
        progress(.pushing(done: 0, total: total))
        while true {
            let batch = try await store.syncLog.pendingChanges(limit: batchSize)
            if batch.isEmpty { break }
            let outcome = try await retrying { () throws(SyncError) in
                try await transport.push(Wire.PushRequest(replica: replica, changes: batch))
            }
            switch outcome {
            case .accepted(let response):
                try await store.syncLog.markPushed(batch.map(\.id))
                try await store.syncLog.noteKnown(seq: response.cursor, id: response.cursorID)
                summary.pushed += response.accepted
                summary.duplicates += response.duplicates
                sent += batch.count
                progress(.pushing(done: sent, total: total))
                Failpoint.reach("push-batch")
            case .tooLarge(let message):
                if batch.count == 1 {
                    try await noteBefore(&before, analyst: analyst)
                    try await store.syncLog.markRejected(batch[0].id, reason: "too large for the server: \(message)")
                    summary.rejected += 1
                } else {
                    batchSize = max(1, batch.count / 2)
                }
            case .refused(let status, let message, let refused):
                // The refused changes of this batch, by the id the server gave or else by index.
                let named = refused.compactMap { entry -> (ChangeID, String)? in
                    if let id = entry.id.flatMap({ try? ChangeID($0) }), batch.contains(where: { $0.id == id }) {
                        return (id, entry.error)
                    }
                    return batch.indices.contains(entry.index) ? (batch[entry.index].id, entry.error) : nil
                }
                if !named.isEmpty {
                    try await noteBefore(&before, analyst: analyst)
                    for (id, error) in named {
                        try await store.syncLog.markRejected(id, reason: "\(status): \(error)")
                        summary.rejected += 1
                    }
                } else if batch.count == 1 {
                    try await noteBefore(&before, analyst: analyst)
                    try await store.syncLog.markRejected(batch[0].id, reason: "\(status): \(message)")
                    summary.rejected += 1
                } else {
                    // The server did not say which: narrow down by halves; smaller batches isolate the refused one.
                    batchSize = max(1, batch.count / 2)
                }
            }
        }
    }

    private func pull(into summary: inout SyncSummary, before: inout ConflictState?, analyst: AnalystName)
        async throws
    {
        let cursor = try await store.syncLog.metadata().pullCursor
        let engine = self
        @Sendable func fetch(after: Int64, known: KnownPoint? = nil) async throws(SyncError) -> Wire.PullPage {
            try await engine.retrying { () throws(SyncError) in
                try await engine.transport.pull(after: after, limit: engine.options.pullPage, known: known)
            }
        }
        // The first page checks that the server still holds what this store last saw (a rewound log, §5).
        let page = try await fetch(after: cursor, known: try await store.syncLog.knownPoint())
        // A pull of several pages appends them to the log and folds them into the view once, at the end (also when
        // it fails half-way; else the store's next use folds them): each entity once, not once per page
        // (LocalStore+Backlog.swift).
        let deferred = page.more
        do {
            try await pullPages(
                from: page, cursor: cursor, fold: !deferred, into: &summary, before: &before, analyst: analyst,
                fetch: { after throws(SyncError) in try await fetch(after: after) })
        } catch {
            if deferred { try? await store.syncLog.foldBacklog() }
            throw error
        }
        if deferred { try await store.syncLog.foldBacklog() }
    }

    /// Applies `first` and the pages after it, each with its cursor, fetching the next while one is applied.
    private func pullPages(
        from first: Wire.PullPage, cursor start: Int64, fold: Bool, into summary: inout SyncSummary,
        before: inout ConflictState?, analyst: AnalystName,
        fetch: @escaping @Sendable (Int64) async throws(SyncError) -> Wire.PullPage
    ) async throws {
        var cursor = start
        var page = first
        while true {
            if page.next < cursor {
                throw SyncError.protocolViolation("the server's cursor went backwards (\(page.next) after \(cursor))")
            }
            // Ask for the next page while this one is applied: the server reads and compresses it meanwhile.
            // Each page is still applied with its own cursor, in order, so a killed sync resumes as before.
            let next =
                page.more && page.next > cursor ? Task { [after = page.next] in try await fetch(after) } : nil
            let result: PullApplyResult
            do {
                if !page.changes.isEmpty { try await noteBefore(&before, analyst: analyst) }
                result = try await store.syncLog.applyPulled(
                    page.changes, cursor: page.next, withheld: page.withheld ?? [], after: cursor,
                    cursorID: page.nextID, fold: fold)
            } catch {
                next?.cancel()
                throw error
            }
            summary.pulled += result.applied
            note(page, in: &summary, me: analyst)
            cursor = page.next
            progress(.pulling(received: summary.pulled, cursor: cursor))
            Failpoint.reach("pull-page")
            if !page.more { break }
            guard let next else {
                throw SyncError.protocolViolation("the server said more changes follow but sent none")
            }
            page = try await next.value
        }
    }

    /// Asks again for what the server withheld while documents were blind for this analyst (protocol.md §15), for
    /// each such document that is no longer blind here: each page is applied with the rest of its range in one
    /// transaction, so a killed sync resumes without asking twice. A document the server still finds blind (409:
    /// this store has not yet heard of the submission or release) is asked for at a later sync.
    private func backfill(
        into summary: inout SyncSummary, before: inout ConflictState?, analyst: AnalystName, role: Role
    ) async throws {
        for var range in try await store.syncLog.withheldRanges() {
            guard let state = try await store.syncLog.codingState(of: range.document),
                !state.isBlind(for: analyst, role: role)
            else { continue }
            while true {
                guard let page = try await backfillPage(range) else { break }
                if page.next < range.after {
                    throw SyncError.protocolViolation(
                        "the server's cursor went backwards (\(page.next) after \(range.after))")
                }
                if !page.changes.isEmpty { try await noteBefore(&before, analyst: analyst) }
                let result = try await store.syncLog.applyBackfill(
                    page.changes, range: range, next: page.next, done: !page.more)
                summary.pulled += result.applied
                note(page, in: &summary, me: analyst)
                summary.news.opened.insert(range.document.rawValue)
                Failpoint.reach("backfill-page")
                if !page.more || page.next >= range.through { break }
                range.after = page.next
            }
        }
    }

    /// Notes what a received page means for `me` (``SyncNews``): the changes this build can read.
    private func note(_ page: Wire.PullPage, in summary: inout SyncSummary, me: AnalystName) {
        // Lazily: a page holds up to 20,000 changes, and copying each one is retains and releases on the applying
        // thread.
        let understood = store.understoodSchema
        summary.news.note(pulled: page.changes.lazy.map(\.change).filter { $0.schema <= understood }, me: me)
    }

    /// A page of what was withheld in `range`, or nil while the server still finds the document blind (409).
    private func backfillPage(_ range: WithheldRange) async throws(SyncError) -> Wire.PullPage? {
        do {
            return try await retrying { () throws(SyncError) in
                try await transport.backfill(
                    document: range.document, after: range.after, through: range.through, limit: options.pullPage)
            }
        } catch {
            if case .server(let status, _) = error, status == 409 { return nil }
            throw error
        }
    }

    /// Runs `operation`, retrying transient failures with exponential backoff.
    private func retrying<T>(_ operation: () async throws(SyncError) -> T) async throws(SyncError) -> T {
        try await retryingTransient(
            attempts: options.attempts, backoff: options.backoff, progress: progress, sleep: sleep, operation)
    }
}

/// Runs `operation`, retrying transient failures (``SyncError/isTransient``) with exponential backoff: `attempts`
/// tries in all, the first wait `backoff`, doubling; each retry reported to `progress`.
func retryingTransient<T>(
    attempts: Int, backoff: Duration, progress: (SyncProgress) -> Void, sleep: (Duration) async -> Void,
    _ operation: () async throws(SyncError) -> T
) async throws(SyncError) -> T {
    var delay = backoff
    var attempt = 1
    while true {
        do {
            return try await operation()
        } catch  where error.isTransient && attempt < attempts {
            progress(.retrying(attempt: attempt, reason: error.description))
            await sleep(delay)
            delay *= 2
            attempt += 1
        }
    }
}

/// What a sync did, for the one-line summary.
public struct SyncSummary: Sendable, Equatable, CustomStringConvertible {
    public var pushed = 0
    public var duplicates = 0
    public var rejected = 0
    public var pulled = 0
    public var newConflicts = 0
    public var openConflicts = 0
    /// Changes in the log written under a newer schema than this build understands, left out of the view until an
    /// upgrade (protocol.md §12).
    public var needNewer = 0
    public var role: Role = .analyst
    /// What the pulled changes mean for this analyst, one line per kind (``SyncNews/lines``).
    public var news = SyncNews()
    /// Set when the server's log was found rewound and repaired (protocol.md §5).
    public var rewound: Rewind?

    /// A repair of a rewound server log.
    public struct Rewind: Sendable, Equatable {
        /// The server's words.
        public var message: String
        /// Own changes sent again.
        public var resent: Int
        /// Of those, the ones the server had lost and now holds again.
        public var restored: Int
        /// Changes this store received from the repeated pull (that it did not have).
        public var received: Int
    }

    public init() {}

    public var description: String {
        var parts = [
            "pushed \(pushed)", "pulled \(pulled)", "\(newConflicts) new conflict\(newConflicts == 1 ? "" : "s")",
        ]
        if duplicates > 0 { parts.insert("\(duplicates) already on the server", at: 1) }
        if rejected > 0 { parts.append("\(rejected) rejected (see `concord status`)") }
        parts.append("\(openConflicts) open")
        if needNewer > 0 { parts.append(Self.needNewerMessage(needNewer)) }
        var lines = ["sync: " + parts.joined(separator: ", ")]
        if let rewound {
            lines.append(
                "the server's log was rewound (restored from an older backup?): sent your \(rewound.resent) pushed "
                    + "change\(rewound.resent == 1 ? "" : "s") again, of which it had lost \(rewound.restored); pulled the "
                    + "log again from the start (\(rewound.received) new here). Nothing of yours is lost")
        }
        return (lines + news.lines).joined(separator: "\n")
    }

    /// `N changes need a newer concord`, with what to do about it.
    public static func needNewerMessage(_ count: Int) -> String {
        count == 1
            ? "1 change needs a newer concord (upgrade concord to see it)"
            : "\(count) changes need a newer concord (upgrade concord to see them)"
    }
}

/// Progress events, for a progress bar on a terminal.
public enum SyncProgress: Sendable, Equatable {
    case pushing(done: Int, total: Int)
    case pulling(received: Int, cursor: Int64)
    case retrying(attempt: Int, reason: String)
    /// A first sync downloading the server's snapshot (``StoreBootstrap``).
    case downloading(bytes: Int64, total: Int64)
    /// A first sync building its store from the downloaded snapshot.
    case unpacking(changes: Int64)
}
