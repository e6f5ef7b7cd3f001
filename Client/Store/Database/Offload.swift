import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs blocking work (SQLite) on a thread of its own instead of a request thread of the cooperative pool. With
/// `background`, the thread runs at the lowest priority (nice 19), so long work (a report) yields the cores to pushes
/// and pulls.
public func offload<T: Sendable>(background: Bool = false, _ body: @escaping @Sendable () throws -> T) async throws -> T
{
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            #if os(Linux)
                // Nice 19 for this thread only (Linux keeps the nice value per thread): it still runs under load,
                // so a lock it holds (SQLite's, malloc's) is soon released, unlike SCHED_IDLE, where a push waited a
                // second for a report thread that never got the CPU.
                if background { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19) }
            #endif
            continuation.resume(with: Result { try body() })
        }
    }
}
