/// A hybrid logical clock reading, `<unix-ms>:<counter>` with a 4-digit zero-padded counter.
///
/// Readings order by milliseconds, then counter. Where two changes carry equal readings, the merge breaks the tie
/// by replica id and then change id (see ``Version/precedes(_:)``).
public struct HLC: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Unix time in milliseconds.
    public let millis: Int64
    /// Distinguishes readings within one millisecond, 0...9999.
    public let counter: Int

    public static let maxCounter = 9999
    public static let zero = HLC(millis: 0, counter: 0)

    public init(millis: Int64, counter: Int) {
        precondition(millis >= 0 && (0...HLC.maxCounter).contains(counter), "HLC out of range")
        self.millis = millis
        self.counter = counter
    }

    /// Parses `<unix-ms>:<counter>`, e.g. `1752224400000:0003`.
    public init(_ text: some StringProtocol) throws(IdentifierError) {
        try self.init(parsing: text.utf8)
    }

    /// Parses the UTF-8 bytes of `<unix-ms>:<counter>`, as ``init(_:)`` does, for callers holding bytes (a
    /// database column) rather than a string.
    public init(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(IdentifierError) {
        try self.init(parsing: bytes)
    }

    /// The one parser behind both (generic but private, so each caller gets a specialized copy).
    private init(parsing text: some Collection<UInt8>) throws(IdentifierError) {
        // One pass over the bytes: 1–15 digits, a colon, exactly 4 digits.
        var millis: Int64 = 0
        var counter = 0
        var millisDigits = 0
        var counterDigits = 0
        var colon = false
        var valid = true
        for byte in text {
            if byte == UInt8(ascii: ":") && !colon {
                colon = true
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                let digit = byte - UInt8(ascii: "0")
                if colon {
                    counter = counter * 10 + Int(digit)
                    counterDigits += 1
                } else {
                    millis = millis &* 10 &+ Int64(digit)
                    millisDigits += 1
                }
            } else {
                valid = false
            }
            if millisDigits > 15 || counterDigits > 4 { valid = false }
            if !valid { break }
        }
        guard valid, colon, millisDigits >= 1, counterDigits == 4 else {
            throw IdentifierError(
                kind: "hlc", input: String(decoding: text, as: UTF8.self),
                expected: "<unix-ms>:<4-digit counter>, e.g. 1752224400000:0003")
        }
        self.init(millis: millis, counter: counter)
    }

    public var description: String {
        // Written digit by digit: stores write one of these per change and per live version.
        String(unsafeUninitializedCapacity: 25) { buffer in
            var digits = 0
            var rest = millis
            repeat {
                digits += 1
                rest /= 10
            } while rest > 0
            rest = millis
            for index in stride(from: digits - 1, through: 0, by: -1) {
                buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            buffer[digits] = UInt8(ascii: ":")
            var counter = self.counter
            for index in stride(from: digits + 4, to: digits, by: -1) {
                buffer[index] = UInt8(ascii: "0") + UInt8(counter % 10)
                counter /= 10
            }
            return digits + 5
        }
    }

    public static func < (lhs: HLC, rhs: HLC) -> Bool {
        lhs.millis != rhs.millis ? lhs.millis < rhs.millis : lhs.counter < rhs.counter
    }

    /// The reading just after this one.
    public var successor: HLC {
        counter < HLC.maxCounter ? HLC(millis: millis, counter: counter + 1) : HLC(millis: millis + 1, counter: 0)
    }

    /// How far a change's clock may run ahead of the server's before it is refused ("clock ahead").
    public static let maximumDrift: Int64 = 10 * 60 * 1000

    /// Whether this reading is more than ``maximumDrift`` ahead of the wall-clock time `now` (Unix ms).
    public func isTooFarAhead(of now: Int64) -> Bool { millis > now + HLC.maximumDrift }

    /// The wall time, `YYYY-MM-DDTHH:MM:SSZ`.
    public var isoTime: String { UTCTime.iso(millis: millis) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try HLC(text) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
