import Foundation

/// The store did not answer within the time a caller can wait.
struct NoAnswer: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "no answer within \(limit.components.seconds) s" }
}

/// The result of `body`, or ``NoAnswer`` once `limit` has passed, whichever comes first.
///
/// Unlike a task group, which waits for every child before it returns, this returns at the deadline even when `body`
/// cannot be cancelled (a database call blocked on a connection); `body` is then cancelled and its result dropped.
func firstAnswer<T: Sendable>(within limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws
    -> T
{
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let once = ResumeOnce(continuation)
        let work = Task {
            do { once.resume(with: .success(try await body())) } catch { once.resume(with: .failure(error)) }
        }
        let timer = Task {
            guard (try? await Task.sleep(for: limit)) != nil else { return }
            once.resume(with: .failure(NoAnswer(limit: limit)))
            work.cancel()
        }
        // The timer is not needed once the work has answered.
        Task {
            await work.value
            timer.cancel()
        }
    }
}

/// Resumes a continuation with the first result it is given and drops the others.
private final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?

    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = continuation }

    func resume(with result: Result<T, any Error>) {
        let waiting = lock.withLock {
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(with: result)
    }
}
