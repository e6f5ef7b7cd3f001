import ServiceLifecycle
import Synchronization

/// Wakes the long polls of `GET /v1/changes?wait=` (protocol.md §14) when a change after their cursor is committed.
///
/// Pushes on this server call ``advance(to:)`` after their commit. With several server processes on one database
/// (PostgreSQL), pushes taken by the others arrive through PostgreSQL's LISTEN/NOTIFY (`CommitListener`), and
/// `poll` covers what a reconnecting listener missed: while anyone waits, one task asks the database for its greatest
/// `seq` every ``pollInterval``, whatever the number of waiters (1,000 idle watchers cost one query per interval,
/// not 1,000).
///
/// A waiter is a suspended continuation and a sleeping timer: no thread, no busy loop. A server shutting down
/// releases every waiter at once, so SIGTERM is not held up by long polls.
final class ChangeSignal: Sendable {
    /// How often the shared poll asks the database, while anyone waits: a safety net under LISTEN/NOTIFY.
    static let pollInterval: Duration = .seconds(2)

    private struct Waiter {
        var after: Int64
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var latest: Int64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
        var polling = false
        var closed = false
    }

    private let state = Mutex(State())
    /// Long polls held per analyst.
    private let held = Mutex<[String: Int]>([:])
    private let poll: (@Sendable () async throws -> Int64)?

    /// - Parameter poll: the database's greatest `seq`, for stores that other processes also write; nil when this
    ///   process is the only writer (SQLite, memory).
    init(poll: (@Sendable () async throws -> Int64)?) {
        self.poll = poll
    }

    /// Records that changes up to `seq` are committed; wakes the waiters whose cursor is below it.
    func advance(to seq: Int64) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard seq > state.latest else { return [] }
            state.latest = seq
            let ready = state.waiters.filter { $0.value.after < seq }
            for id in ready.keys { state.waiters[id] = nil }
            return ready.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns when a change after `after` is known to be committed, when `timeout` has passed, when the task is
    /// cancelled or when the server shuts down, whichever comes first. The caller reads the store again after.
    func wait(after: Int64, timeout: Duration) async {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.suspend(after: after) }
                group.addTask { try? await Task.sleep(for: timeout) }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.close()
        }
    }

    /// Releases every waiter; later waits return at once.
    func close() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.closed = true
            defer { state.waiters = [:] }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Counts a long poll of `analyst`; false when they already hold `limit`.
    func takePoll(of analyst: String, limit: Int) -> Bool {
        held.withLock { held in
            guard held[analyst, default: 0] < limit else { return false }
            held[analyst, default: 0] += 1
            return true
        }
    }

    /// Ends a long poll counted by ``takePoll(of:limit:)``.
    func releasePoll(of analyst: String) {
        held.withLock { held in
            held[analyst, default: 1] -= 1
            if held[analyst] == 0 { held[analyst] = nil }
        }
    }

    /// The number of suspended waiters (for tests and metrics).
    var waiting: Int { state.withLock { $0.waiters.count } }

    private func suspend(after: Int64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let (ready, startPoll) = state.withLock { state -> (Bool, Bool) in
                    if state.closed || state.latest > after || Task.isCancelled { return (true, false) }
                    state.waiters[id] = Waiter(after: after, continuation: continuation)
                    let start = poll != nil && !state.polling
                    if start { state.polling = true }
                    return (false, start)
                }
                if ready { continuation.resume() }
                if startPoll { Task { await self.pollWhileWaited() } }
            }
        } onCancel: {
            let continuation = state.withLock { $0.waiters.removeValue(forKey: id)?.continuation }
            continuation?.resume()
        }
    }

    /// Asks the database for its greatest `seq` every ``pollInterval`` while anyone waits; a failed poll is retried
    /// at the next interval (the waiters' own timeouts still answer them).
    private func pollWhileWaited() async {
        guard let poll else { return }
        while true {
            try? await Task.sleep(for: Self.pollInterval)
            let stop = state.withLock { state -> Bool in
                if state.waiters.isEmpty || state.closed {
                    state.polling = false
                    return true
                }
                return false
            }
            if stop { return }
            if let seq = try? await poll() { advance(to: seq) }
        }
    }
}

/// Feeds ``ChangeSignal`` with the commits of every server process on a PostgreSQL database (LISTEN/NOTIFY), for as
/// long as the application runs.
struct CommitListener: Service {
    let log: any SharedLog
    let signal: ChangeSignal

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await log.commits { signal.advance(to: $0) }
        }
    }
}
