import Foundation

/// A count shared by several tasks and threads.
public final class SharedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    public init() {}

    public var value: Int { lock.withLock { count } }
    public func add(_ amount: Int = 1) { lock.withLock { count += amount } }
}
