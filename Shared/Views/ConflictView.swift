/// One open conflict, in the list shape of `concord conflicts --json` (protocol.md §7).
///
/// A register conflict is `{"entity", "field", "candidates"}`. A delete/edit conflict has `field` `deleted`,
/// the live delete versions as `candidates`, `"kind": "delete-edit"` and `concurrent`: the ids of the versions
/// written concurrently with the delete. `title`, `document` and `evidence` give a reader the event's context.
public struct ConflictView: Codable, Hashable, Sendable {
    public var entity: EntityID
    public var field: String
    public var candidates: [EventView.Candidate]
    /// `delete-edit` for a delete/edit conflict; absent for a register conflict.
    public var kind: String?
    /// For a delete/edit conflict: the changes the delete did not see.
    public var concurrent: [ChangeID]?
    /// The event's displayed title.
    public var title: String?
    /// The event's document: its id and title.
    public var document: DocumentRef?
    /// The event's evidence quote.
    public var evidence: String?

    /// The document an event comes from.
    public struct DocumentRef: Codable, Hashable, Sendable {
        public var id: EntityID
        public var title: String?

        public init(id: EntityID, title: String?) {
            self.id = id
            self.title = title
        }
    }

    public init(
        entity: EntityID, field: String, candidates: [EventView.Candidate], kind: String? = nil,
        concurrent: [ChangeID]? = nil
    ) {
        self.entity = entity
        self.field = field
        self.candidates = candidates
        self.kind = kind
        self.concurrent = concurrent
    }

    /// The conflicts of one entity: its conflicted fields by name, then its delete/edit conflict.
    ///
    /// - Parameter documentTitle: Looks up a document's displayed title, for context.
    public static func list(_ snapshot: EntitySnapshot, documentTitle: (EntityID) -> String? = { _ in nil })
        -> [ConflictView]
    {
        var list = snapshot.conflictedFields.map { field in
            ConflictView(
                entity: snapshot.id, field: field,
                candidates: snapshot.fields[field]!.candidates.map(EventView.Candidate.init))
        }
        if !snapshot.deleteEditConflict.isEmpty, let deleted = snapshot.fields[EntitySnapshot.deletedField] {
            list.append(
                ConflictView(
                    entity: snapshot.id, field: EntitySnapshot.deletedField,
                    candidates: deleted.candidates.filter { $0.value == .bool(true) }.map(EventView.Candidate.init),
                    kind: "delete-edit", concurrent: snapshot.deleteEditConflict))
        }
        let title = snapshot.fields["title"]?.value.string
        let evidence = snapshot.fields["evidence"]?.value.string
        let document = snapshot.fields["doc"]?.value.string.flatMap { try? EntityID($0) }.map {
            DocumentRef(id: $0, title: documentTitle($0))
        }
        for i in list.indices {
            list[i].title = title
            list[i].evidence = evidence
            list[i].document = document
        }
        return list
    }
}
