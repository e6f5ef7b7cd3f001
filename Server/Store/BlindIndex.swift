import ConcordCore

/// Where an event lives, for blind coding (protocol.md §15): the document its first `doc` change names, and the
/// `seq` of that change (a snapshot at or after it holds the event).
public struct EventHome: Hashable, Sendable {
    public var document: EntityID
    public var seq: Int64

    public init(document: EntityID, seq: Int64) {
        self.document = document
        self.seq = seq
    }
}

/// What every store indexes of an accepted change so that a request finds what is blind for its analyst cheaply.
public enum BlindIndex {
    public enum Home: Hashable, Sendable {
        /// An event's `doc` change: the event belongs to `doc` if this is its first.
        case event(doc: EntityID)
        /// A change of a document's coding fields: the document is one whose state decides blindness.
        case codingDocument
    }

    /// What `change` adds to the index, or nil.
    public static func home(of change: Change) -> Home? {
        switch change.entity.kind {
        case .event:
            guard change.field == "doc", let text = change.value.string, let doc = try? EntityID(text) else {
                return nil
            }
            return .event(doc: doc)
        case .document:
            switch change.field {
            case Blinding.assignedField, Blinding.submittedField, Blinding.releasedField: return .codingDocument
            default: return nil
            }
        }
    }
}

extension ServerStore {
    /// What `analyst` may not see now (protocol.md §15). Adjudicators see everything; an analyst with no blind
    /// document costs one probe of the (small) coding-document table.
    public func visibility(for analyst: AnalystRecord) async throws -> Visibility {
        let (documents, homes) = try await blindHomes(for: analyst)
        return Visibility(
            analyst: analyst.name, blindDocuments: documents, withheldEvents: homes.mapValues(\.document))
    }

    /// The documents blind for `analyst` and their events with where each first appeared: what ``visibility(for:)``
    /// is made of, for a caller that also needs the `seq`s (a snapshot's check).
    public func blindHomes(for analyst: AnalystRecord) async throws -> (
        documents: Set<EntityID>, homes: [EntityID: EventHome]
    ) {
        guard analyst.role == .analyst else { return ([], [:]) }
        let blind = try await codingDocuments().filter { $0.isBlind(for: analyst.name, role: analyst.role) }
        guard !blind.isEmpty else { return ([], [:]) }
        let documents = Set(blind.map(\.id))
        return (documents, try await eventHomes(in: documents))
    }

    public func push(_ changes: [Change], replica: ReplicaID, by analyst: AnalystRecord, now: Int64) async throws
        -> PushResult
    {
        try await push(changes, replica: replica, by: analyst, now: now, visibility: nil)
    }
}
