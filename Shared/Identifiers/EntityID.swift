/// The address of an entity, `KIND/ID`: `document/<16 lowercase hex>` or `event/<UUID>`.
///
/// Parsing is strict: anything else (`../x`, `event/`, `user/1`, spaces) is refused, so an entity id can be used
/// safely in URLs, file names and log lines.
public struct EntityID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case document
        case event
    }

    /// The full text, e.g. `event/0193f6c2-6e00-7000-8000-1a2b3c4d5e6f`.
    public let rawValue: String
    public let kind: Kind
    /// A 64-bit digest of `rawValue`, computed once, so hashing an id in the merge's dictionaries is cheap.
    private let digest: UInt64

    public init(_ text: some StringProtocol) throws(IdentifierError) {
        let string = String(text)
        let expected = "document/<16 lowercase hex digits> or event/<UUID>"
        guard let slash = string.firstIndex(of: "/"), let kind = Kind(rawValue: String(string[..<slash])) else {
            throw IdentifierError(kind: "entity id", input: string, expected: expected)
        }
        let id = string[string.index(after: slash)...]
        switch kind {
        case .document:
            guard id.utf8.count == 16, UUIDText.isLowerHex(id) else {
                throw IdentifierError(kind: "entity id", input: string, expected: expected)
            }
            rawValue = string
        case .event:
            switch UUIDText.check(id) {
            case .canonical: rawValue = string
            case .uppercase: rawValue = "event/" + UUIDText.canonical(id)!
            case .invalid: throw IdentifierError(kind: "entity id", input: string, expected: expected)
            }
        }
        self.kind = kind
        digest = Self.digest(of: rawValue)
    }

    /// An id from text this program validated before storing it (a store's own rows): no checks in release
    /// builds, the full parse as an assertion in debug builds. Use ``init(_:)`` for anything from outside.
    public init(stored text: String) {
        assert((try? EntityID(text))?.rawValue == text, "stored entity id \(text) is not canonical")
        rawValue = text
        kind = text.utf8.first == UInt8(ascii: "e") ? .event : .document
        digest = Self.digest(of: text)
    }

    private static func digest(of text: String) -> UInt64 {
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { digest = (digest ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return digest
    }

    public static func == (lhs: EntityID, rhs: EntityID) -> Bool {
        lhs.digest == rhs.digest && lhs.rawValue == rhs.rawValue
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    /// An event id for a freshly generated UUID.
    public static func event(_ uuid: ChangeID) -> EntityID {
        // A ChangeID is a canonical UUID, so this cannot fail.
        try! EntityID("event/" + uuid.rawValue)
    }

    /// The part after `KIND/`.
    public var id: Substring { rawValue[rawValue.index(after: rawValue.firstIndex(of: "/")!)...] }

    public var description: String { rawValue }

    public static func < (lhs: EntityID, rhs: EntityID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try EntityID(text) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
