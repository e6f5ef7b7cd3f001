import Foundation
import Synchronization

/// How many requests one analyst's token may make: a bucket of ``burst`` requests that refills at
/// ``perSecond``. The defaults are far above what `concord sync` does (a sync of a million changes makes about a
/// hundred requests), so only a runaway script or a stolen token meets them.
public struct RateLimit: Sendable, Equatable {
    public var perSecond: Double
    public var burst: Double

    public init(perSecond: Double = 50, burst: Double = 1_000) {
        self.perSecond = perSecond
        self.burst = burst
    }
}

/// Per-analyst token buckets (in memory, per server process).
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let limit: RateLimit
    private let buckets = Mutex<[String: Bucket]>([:])

    init(_ limit: RateLimit) {
        self.limit = limit
    }

    /// Takes one request from `analyst`'s bucket; nil when it may proceed, else the whole seconds to wait.
    func admit(_ analyst: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { buckets in
            var bucket = buckets[analyst] ?? Bucket(tokens: limit.burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(limit.burst, bucket.tokens + max(0, seconds) * limit.perSecond)
            bucket.updated = now
            defer { buckets[analyst] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / limit.perSecond).rounded(.up)))
        }
    }
}
