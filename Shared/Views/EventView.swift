import Foundation

/// The `concord show EVENT --json` shape of protocol.md §7, built from a snapshot: sets sorted, notes in merge order,
/// so two replicas with the same changes encode the same bytes (with sorted keys).
///
/// The client's `show --json` and the server's `GET /v1/events/{id}` both encode this type with ``encoder()``.
public struct EventView: Codable, Hashable, Sendable {
    public struct Candidate: Codable, Hashable, Sendable {
        public var change: ChangeID
        public var value: FieldValue
        public var author: AnalystName
        public var hlc: HLC

        public init(_ version: Version) {
            change = version.change
            value = version.value
            author = version.author
            hlc = version.hlc
        }
    }

    public struct Field: Codable, Hashable, Sendable {
        public var value: FieldValue
        public var conflict: Bool
        public var candidates: [Candidate]
    }

    public struct Note: Codable, Hashable, Sendable {
        public var text: String
        public var author: AnalystName
        public var hlc: HLC
    }

    public var id: EntityID
    public var fields: [String: Field]
    /// Every set field, sorted, empty when the set is: `actors`, `recipients`, `context`, `tags`, `same_as`,
    /// `distinct_from` (protocol.md §7).
    public var actors: [String]
    public var recipients: [String]
    public var context: [String]
    public var tags: [String]
    public var sameAs: [String]
    public var distinctFrom: [String]
    public var notes: [Note]
    public var deleted: Bool

    enum CodingKeys: String, CodingKey {
        case id, fields, actors, recipients, context, tags, notes, deleted
        case sameAs = "same_as"
        case distinctFrom = "distinct_from"
    }

    /// Reads a view, also one from a server older than a set field (its key is missing: empty).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(EntityID.self, forKey: .id)
        fields = try c.decode([String: Field].self, forKey: .fields)
        actors = try c.decodeIfPresent([String].self, forKey: .actors) ?? []
        recipients = try c.decodeIfPresent([String].self, forKey: .recipients) ?? []
        context = try c.decodeIfPresent([String].self, forKey: .context) ?? []
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        sameAs = try c.decodeIfPresent([String].self, forKey: .sameAs) ?? []
        distinctFrom = try c.decodeIfPresent([String].self, forKey: .distinctFrom) ?? []
        notes = try c.decode([Note].self, forKey: .notes)
        deleted = try c.decode(Bool.self, forKey: .deleted)
    }

    public init(_ snapshot: EntitySnapshot) {
        id = snapshot.id
        fields = snapshot.fields.mapValues {
            Field(value: $0.value, conflict: $0.conflict, candidates: $0.candidates.map(Candidate.init))
        }
        actors = (snapshot.sets["actors"] ?? []).sorted()
        recipients = (snapshot.sets["recipients"] ?? []).sorted()
        context = (snapshot.sets["context"] ?? []).sorted()
        tags = (snapshot.sets["tags"] ?? []).sorted()
        sameAs = (snapshot.sets[Schema.sameAsField] ?? []).sorted()
        distinctFrom = (snapshot.sets[Schema.distinctFromField] ?? []).sorted()
        notes = snapshot.notes.map { Note(text: $0.value.description, author: $0.author, hlc: $0.hlc) }
        deleted = snapshot.deleted
    }

    /// The encoder of every `--json` output and JSON response: sorted keys, slashes unescaped.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The canonical bytes of a snapshot's view (no trailing newline).
    public static func json(_ snapshot: EntitySnapshot) -> Data {
        // Encoding plain strings, booleans and arrays cannot fail.
        try! encoder().encode(EventView(snapshot))
    }
}
