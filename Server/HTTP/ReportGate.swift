import Synchronization

/// Lets one report be built at a time, so reports cannot starve pushes and pulls: a report over a large log is
/// seconds of CPU, and six at once on the cooperative pool held every request thread (BENCHMARKS.md, *Reports
/// beside syncs*). Others wait their turn, in order; the rate limit and the connection limits bound how many.
final class ReportGate: Sendable {
    private let state = Mutex<(busy: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    init() {}

    /// Runs `body` once no other report runs.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await withCheckedContinuation { continuation in
            let runNow = state.withLock { state -> Bool in
                if !state.busy {
                    state.busy = true
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if runNow { continuation.resume() }
        }
        defer {
            let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
                if state.waiting.isEmpty {
                    state.busy = false
                    return nil
                }
                return state.waiting.removeFirst()
            }
            next?.resume()
        }
        return try await body()
    }
}
