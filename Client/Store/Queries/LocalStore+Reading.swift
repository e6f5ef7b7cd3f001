import ConcordCore
import ConcordSQLite
import GRDB

/// One article as `concord doc show` prints it: its text, and its live events with their evidence quotes.
public struct DocumentReading: Hashable, Sendable {
    /// One event of the document.
    public struct Event: Hashable, Sendable {
        public var summary: EventSummary
        /// The event's evidence quotes: one, several when analysts' versions conflict, none when not coded.
        public var evidence: [String]
    }

    public var document: DocumentSummary
    public var text: String
    /// Live events, by creator then id (events of a creator the store does not know last).
    public var events: [Event]
}

extension LocalStore {
    /// The article `reference` names (id or unique prefix, or a prefix of the id's random tail), for reading.
    public func reading(_ reference: String) throws -> DocumentReading {
        let id = try entityID(matching: reference, kind: .document)
        guard let document = try documents().first(where: { $0.id == id }), let text = try documentText(id) else {
            throw StoreError.invalid("\(id) has no text in this store; run `concord sync` to fetch it")
        }
        let summaries = try events(EventFilter(doc: id.rawValue, deleted: .hidden))
        let events = try read { db in
            try summaries.map { summary in
                let evidence = try LiveRows.version.load(summary.id, db).registers["evidence"] ?? []
                return DocumentReading.Event(
                    summary: summary, evidence: Array(Set(evidence.map(\.value.description))).sorted())
            }
        }
        return DocumentReading(
            document: document, text: text,
            events: events.sorted {
                ($0.summary.creator ?? "\u{10FFFF}", $0.summary.id.rawValue)
                    < ($1.summary.creator ?? "\u{10FFFF}", $1.summary.id.rawValue)
            })
    }
}
