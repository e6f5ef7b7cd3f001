import ConcordCore
import Foundation

extension LocalStore {
    /// ``open(at:upgrading:)`` on a thread of its own (an upgrade can take seconds), for async code.
    public static func opened(at path: String) async throws -> LocalStore {
        try await offload { try LocalStore.open(at: path) }
    }

    /// The store as the sync engine, the watcher, the bootstrap and the server's snapshot maker reach it: async, each
    /// call one transaction on the store's own queue (``StoreExecutor``), never on a thread of the cooperative pool.
    public var syncLog: SyncLog { SyncLog(store: self) }

    /// The sync log's job of the store: what was pushed, pulled, refused and withheld, the cursor, the known point
    /// and the role, plus the few reads a sync reports. The synchronous methods of the same names remain for
    /// synchronous callers (the CLI's edits, tests); async code uses these.
    public struct SyncLog: Sendable {
        let store: LocalStore

        private func run<T: Sendable>(_ body: @escaping @Sendable (LocalStore) throws -> T) async throws -> T {
            let store = self.store
            return try await store.executor.run { try body(store) }
        }

        /// ``LocalStore/metadata()``.
        public func metadata() async throws -> StoreMetadata { try await run { try $0.metadata() } }

        /// ``LocalStore/pendingCount()``.
        public func pendingCount() async throws -> Int { try await run { try $0.pendingCount() } }

        /// ``LocalStore/pendingChanges(limit:)``.
        public func pendingChanges(limit: Int) async throws -> [Change] {
            try await run { try $0.pendingChanges(limit: limit) }
        }

        /// ``LocalStore/markPushed(_:)``.
        public func markPushed(_ ids: [ChangeID]) async throws { try await run { try $0.markPushed(ids) } }

        /// ``LocalStore/markRejected(_:reason:)``.
        public func markRejected(_ id: ChangeID, reason: String) async throws {
            try await run { try $0.markRejected(id, reason: reason) }
        }

        /// ``LocalStore/noteKnown(seq:id:)``.
        public func noteKnown(seq: Int64, id: String?) async throws {
            try await run { try $0.noteKnown(seq: seq, id: id) }
        }

        /// ``LocalStore/knownPoint()``.
        public func knownPoint() async throws -> KnownPoint? { try await run { try $0.knownPoint() } }

        /// ``LocalStore/applyPulled(_:cursor:withheld:after:cursorID:fold:)``.
        public func applyPulled(
            _ changes: [Wire.SequencedChange], cursor: Int64, withheld: [EntityID] = [], after: Int64 = 0,
            cursorID: String? = nil, fold: Bool = true
        ) async throws -> PullApplyResult {
            try await run {
                try $0.applyPulled(
                    changes, cursor: cursor, withheld: withheld, after: after, cursorID: cursorID, fold: fold)
            }
        }

        /// ``LocalStore/foldBacklog()``.
        public func foldBacklog() async throws { try await run { try $0.foldBacklog() } }

        /// ``LocalStore/withheldRanges()``.
        public func withheldRanges() async throws -> [WithheldRange] { try await run { try $0.withheldRanges() } }

        /// ``LocalStore/codingState(of:)``.
        public func codingState(of document: EntityID) async throws -> Blinding.Document? {
            try await run { try $0.codingState(of: document) }
        }

        /// ``LocalStore/applyBackfill(_:range:next:done:)``.
        public func applyBackfill(_ changes: [Wire.SequencedChange], range: WithheldRange, next: Int64, done: Bool)
            async throws -> PullApplyResult
        {
            try await run { try $0.applyBackfill(changes, range: range, next: next, done: done) }
        }

        /// ``LocalStore/prepareForRewoundLog()``.
        public func prepareForRewoundLog() async throws -> Int { try await run { try $0.prepareForRewoundLog() } }

        /// ``LocalStore/setRole(_:)``.
        public func setRole(_ role: Role) async throws { try await run { try $0.setRole(role) } }

        /// ``LocalStore/recordSync(at:)``.
        public func recordSync(at date: Date) async throws { try await run { try $0.recordSync(at: date) } }

        /// ``LocalStore/newerSchemaCount()``.
        public func newerSchemaCount() async throws -> Int { try await run { try $0.newerSchemaCount() } }

        /// ``LocalStore/openConflictCount()``.
        public func openConflictCount() async throws -> Int { try await run { try $0.openConflictCount() } }

        /// ``LocalStore/viewHolds(authorOf:)``.
        public func viewHolds(authorOf analyst: AnalystName) async throws -> Bool {
            try await run { try $0.viewHolds(authorOf: analyst) }
        }

        /// ``LocalStore/conflictViews()`` and ``LocalStore/clusterDisagreements()``, in one hop.
        public func conflicts() async throws -> (views: [ConflictView], clusters: [ClusterDisagreement]) {
            try await run { store in (try store.conflictViews(), try store.clusterDisagreements()) }
        }

        /// ``LocalStore/lastPulledChange()``.
        public func lastPulledChange() async throws -> (seq: Int64, id: String)? {
            try await run { try $0.lastPulledChange() }
        }

        /// ``LocalStore/close()``, after every transaction asked for before it.
        public func close() async throws { try await run { try $0.close() } }
    }
}
