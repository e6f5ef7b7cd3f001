import ConcordCore
import ConcordStore
import Foundation

/// `concord sync --watch` (protocol.md §14): keeps a store in sync until cancelled.
///
/// Each round syncs (push, then pull), then waits for whichever comes first: a change on the server after the
/// store's cursor (a long poll the server answers the moment one is committed), or a local change to push (the
/// store's pending count, read every ``Options/localCheck``). When the server cannot be reached the watcher waits
/// 1 s, 2 s, 4 s … up to ``Options/maxBackoff`` (with jitter, so many watchers do not come back in step) and goes on
/// once it answers again. Errors that waiting cannot mend (a refused token, a store of someone else) end the watch.
/// Nothing in it spins: every wait is a sleep or a held request.
public struct SyncWatcher: Sendable {
    public struct Options: Sendable {
        /// Seconds the server holds each long poll.
        public var wait = 25
        /// How often the store is checked for local changes to push.
        public var localCheck: Duration = .milliseconds(500)
        /// The first wait after a failed round; doubles up to ``maxBackoff``.
        public var backoff: Duration = .seconds(1)
        public var maxBackoff: Duration = .seconds(30)
        /// The shortest time between two rounds when nothing changed, for transports without long polls.
        public var minimumRound: Duration = .seconds(1)
        public init() {}
    }

    /// What happened in a round, for the command line to print.
    public enum Event: Sendable {
        case synced(SyncSummary)
        case waiting(after: SyncError, retryIn: Duration)
    }

    private let store: LocalStore
    private let engine: SyncEngine
    private let transport: any SyncTransport
    private let options: Options

    public init(store: LocalStore, engine: SyncEngine, transport: any SyncTransport, options: Options = Options()) {
        self.store = store
        self.engine = engine
        self.transport = transport
        self.options = options
    }

    /// Runs until the task is cancelled (returns normally) or an error that waiting cannot mend (thrown).
    public func run(_ report: @Sendable (Event) -> Void) async throws {
        var backoff = options.backoff
        var random = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            do {
                report(.synced(try await engine.run()))
                backoff = options.backoff
            } catch let error as SyncError where error.isTransient {
                let jittered = backoff * Double.random(in: 0.8...1.2, using: &random)
                report(.waiting(after: error, retryIn: jittered))
                try? await Task.sleep(for: jittered)
                backoff = min(backoff * 2, options.maxBackoff)
                continue
            }
            let started = ContinuousClock.now
            let cursor = try await store.syncLog.metadata().pullCursor
            let remoteChange = await waitForWork(after: cursor)
            if !remoteChange, ContinuousClock.now - started < options.minimumRound {
                try? await Task.sleep(until: started + options.minimumRound)
            }
        }
    }

    /// Waits for a change on the server after `cursor`, or a local change to push; true for the former. A failed
    /// long poll returns too: the next round's sync meets the error and backs off.
    private func waitForWork(after cursor: Int64) async -> Bool {
        let store = store
        let transport = transport
        let options = options
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                (try? await transport.waitForChanges(after: cursor, seconds: options.wait)) ?? false
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: options.localCheck)
                    if ((try? await store.syncLog.pendingCount()) ?? 0) > 0 { return false }
                }
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
