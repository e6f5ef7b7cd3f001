/// An analyst's name: 1–64 characters of `a-z 0-9 . _ -`.
public struct AnalystName: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ text: some StringProtocol) throws(IdentifierError) {
        let utf8 = text.utf8
        let allowed = utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard (1...64).contains(utf8.count), allowed else {
            throw IdentifierError(
                kind: "analyst name", input: String(text), expected: "1 to 64 characters of a-z, 0-9, '.', '_' or '-'")
        }
        rawValue = String(text)
    }

    init(trusted: String) { rawValue = trusted }

    public var description: String { rawValue }

    public static func < (lhs: AnalystName, rhs: AnalystName) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try AnalystName(text) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
