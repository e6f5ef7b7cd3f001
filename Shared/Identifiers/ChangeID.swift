/// The id of one change: a UUIDv7 in canonical lowercase text.
///
/// Ordering is the text order, which for UUIDv7 is creation order.
public struct ChangeID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// Parses a UUID; uppercase hex is accepted and stored lowercase.
    public init(_ text: some StringProtocol) throws(IdentifierError) {
        guard let canonical = UUIDText.canonical(text) else {
            throw IdentifierError(
                kind: "change id", input: String(text), expected: "a UUID like 0193f6c2-7a51-7c3e-9a0b-4f1d2c3b4a59")
        }
        rawValue = canonical
    }

    init(trusted: String) { rawValue = trusted }

    public var description: String { rawValue }

    public static func < (lhs: ChangeID, rhs: ChangeID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try ChangeID(text) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
