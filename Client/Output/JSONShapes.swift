import ConcordCore
import Foundation

/// The `--json` shapes of DESIGN §7. Encoded with sorted keys, so equal states give equal bytes.
public enum JSONShapes {
    /// A live version as listed in `candidates`.
    public struct Candidate: Encodable, Hashable, Sendable {
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

    public struct Field: Encodable, Hashable, Sendable {
        public var value: FieldValue
        public var conflict: Bool
        public var candidates: [Candidate]
    }

    public struct Note: Encodable, Hashable, Sendable {
        public var text: String
        public var author: AnalystName
        public var hlc: HLC
    }

    /// `concord show EVENT --json`.
    public struct Event: Encodable, Hashable, Sendable {
        public var id: EntityID
        public var fields: [String: Field]
        public var actors: [String]
        public var tags: [String]
        public var notes: [Note]
        public var deleted: Bool

        public init(_ snapshot: EntitySnapshot) {
            id = snapshot.id
            fields = snapshot.fields.mapValues {
                Field(value: $0.value, conflict: $0.conflict, candidates: $0.candidates.map(Candidate.init))
            }
            actors = snapshot.sets["actors"] ?? []
            tags = snapshot.sets["tags"] ?? []
            notes = snapshot.notes.map { Note(text: $0.value.description, author: $0.author, hlc: $0.hlc) }
            deleted = snapshot.deleted
        }
    }

    /// An element of `concord conflicts --json`.
    public struct Conflict: Encodable, Hashable, Sendable {
        public var entity: EntityID
        public var field: String
        public var candidates: [Candidate]

        public init(_ summary: ConflictSummary) {
            entity = summary.entity
            field = summary.field
            candidates = summary.candidates.map(Candidate.init)
        }
    }

    /// The encoder every `--json` output uses: sorted keys, slashes unescaped.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `show --json` bytes of a snapshot (no trailing newline).
    public static func show(_ snapshot: EntitySnapshot) -> Data {
        try! encoder().encode(Event(snapshot))
    }
}
