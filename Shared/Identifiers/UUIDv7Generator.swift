/// Generates UUIDv7 text (RFC 9562), time-ordered and strictly increasing within one generator.
///
/// Time and randomness are injected so tests are deterministic:
/// ```swift
/// var ids = UUIDv7Generator(now: { 1_752_224_400_000 }, random: SeededRandom(seed: 7))
/// let id = ids.next()
/// ```
public struct UUIDv7Generator {
    private let now: () -> Int64
    private var random: any RandomNumberGenerator
    private var lastMillis: Int64 = -1
    private var sequence: UInt16 = 0

    /// - Parameters:
    ///   - now: Unix time in milliseconds.
    ///   - random: The source of the 74 random bits.
    public init(
        now: @escaping () -> Int64 = WallClock.millis, random: any RandomNumberGenerator = SystemRandomNumberGenerator()
    ) {
        self.now = now
        self.random = random
    }

    /// The next id; later calls return greater ids even if the wall clock steps back.
    public mutating func next() -> ChangeID {
        var millis = now()
        if millis <= lastMillis {
            millis = lastMillis
            sequence &+= 1
            if sequence > 0x0fff {
                millis += 1
                sequence = UInt16.random(in: 0...0x07ff, using: &random)
            }
        } else {
            sequence = UInt16.random(in: 0...0x07ff, using: &random)
        }
        lastMillis = millis
        let tail = random.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
        bytes[6] = 0x70 | UInt8(sequence >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: sequence)
        bytes[8] = 0x80 | UInt8(truncatingIfNeeded: tail >> 58)
        for i in 9..<16 { bytes[i] = UInt8(truncatingIfNeeded: tail >> (8 * (15 - i))) }
        return ChangeID(trusted: UUIDText.format(bytes))
    }
}

/// A small, fast, seedable generator (SplitMix64) for deterministic tests and simulations.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
