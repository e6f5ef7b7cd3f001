import Foundation

/// A bounded queue from one producing thread to one consuming thread: the producer waits while `capacity` items
/// wait, the consumer while none does. Used where SQLite work is split across two threads (a pack's decoding and
/// inserts; a backlog's reading ahead and folding).
public final class Handoff<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var items: [Item] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false

    public init(capacity: Int) { self.capacity = capacity }

    /// Queues `item`, waiting while the queue is full; false once the consumer gave up (``cancel()``).
    public func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The producer is done: no more items, or `error` stopped it.
    public func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next item, waiting for it; nil once the producer finished and every item was taken, or the producer's
    /// error once the items before it were taken.
    public func take() throws -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        if !items.isEmpty {
            condition.broadcast()
            return items.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// The consumer stops taking: the producer's next ``put(_:)`` returns false.
    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
