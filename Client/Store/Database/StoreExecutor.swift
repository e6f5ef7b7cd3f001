import Dispatch

/// The one serial queue on which async code reaches a store's SQLite (``LocalStore/SyncLog``): a transaction runs
/// there, and the awaiting task is suspended meanwhile, so no thread of the cooperative pool waits on SQLite (a pulled
/// page takes tens of milliseconds to fold; a bootstrap's checks, seconds). One queue per store keeps its transactions
/// in the order they were asked for.
final class StoreExecutor: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    /// Runs `body` on the store's queue and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
