/// The id of one replica (one analyst's local store, or the server): a UUID in canonical lowercase text.
public struct ReplicaID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ text: some StringProtocol) throws(IdentifierError) {
        guard let canonical = UUIDText.canonical(text) else {
            throw IdentifierError(
                kind: "replica id", input: String(text), expected: "a UUID like 6d1f1e0e-3c1a-4b7e-9f00-0a1b2c3d4e5f")
        }
        rawValue = canonical
    }

    init(trusted: String) { rawValue = trusted }

    public var description: String { rawValue }

    public static func < (lhs: ReplicaID, rhs: ReplicaID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try ReplicaID(text) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
