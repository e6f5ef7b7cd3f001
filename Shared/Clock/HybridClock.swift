#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#else
    import Darwin
#endif

/// A replica's hybrid logical clock: never goes backwards, and advances past every reading it receives.
///
/// The wall clock is injected, so tests can step time by hand:
/// ```swift
/// var clock = HybridClock(last: .zero)
/// let a = clock.tick(wall: 1_000)         // 1000:0000
/// let b = clock.tick(wall: 1_000)         // 1000:0001
/// clock.receive(HLC(millis: 5_000, counter: 7), wall: 1_001)
/// let c = clock.tick(wall: 1_002)         // 5000:0008
/// ```
public struct HybridClock: Hashable, Sendable {
    /// The greatest reading this clock has issued or received.
    public private(set) var last: HLC

    public init(last: HLC = .zero) { self.last = last }

    /// A new reading for a local event (an edit), greater than every reading seen so far.
    public mutating func tick(wall: Int64) -> HLC {
        last = wall > last.millis ? HLC(millis: wall, counter: 0) : last.successor
        return last
    }

    /// Folds in a reading from another replica, so the next ``tick(wall:)`` is greater than it.
    public mutating func receive(_ remote: HLC, wall: Int64) {
        let top = max(last, remote)
        if wall > top.millis {
            last = HLC(millis: wall, counter: 0)
        } else {
            last = top
        }
    }
}

/// The system wall clock in Unix milliseconds.
public enum WallClock {
    public static let millis: @Sendable () -> Int64 = {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
