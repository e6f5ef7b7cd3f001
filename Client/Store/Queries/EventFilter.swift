/// Which events `concord events` lists: every criterion given must hold.
public struct EventFilter: Hashable, Sendable {
    /// Deleted events: hidden (the default of `concord events`), the only ones listed (`--deleted`), or listed
    /// with the others.
    public enum Deleted: Hashable, Sendable {
        case hidden, only, included
    }

    /// The event's document (id or unique prefix).
    public var doc: String?
    /// A PLOVER type, any case: the displayed type.
    public var type: String?
    /// The analyst who created the event.
    public var author: String?
    /// A tag the event has.
    public var tag: String?
    /// A status among the event's live versions (any candidate of a conflict counts).
    public var status: String?
    /// Words that must each occur, ignoring ASCII case, in one of ``textFields``.
    public var words: [String]
    /// Only events with open conflicts.
    public var conflictsOnly: Bool
    public var deleted: Deleted
    /// Only events a PLOVER record would lack a required field for (protocol.md §17): no type, date or actor.
    public var incompleteOnly = false

    /// The fields `--text` searches.
    public static let textFields = [
        "title", "summary", "evidence", "location", "notes", "actors", "recipients", "tags",
    ]

    public init(
        doc: String? = nil, type: String? = nil, author: String? = nil, tag: String? = nil, status: String? = nil,
        text: String? = nil, conflictsOnly: Bool = false, deleted: Deleted = .included, incompleteOnly: Bool = false
    ) {
        self.incompleteOnly = incompleteOnly
        self.doc = doc
        self.type = type
        self.author = author
        self.tag = tag
        self.status = status
        self.words = text.map { $0.split(whereSeparator: \.isWhitespace).map(String.init) } ?? []
        self.conflictsOnly = conflictsOnly
        self.deleted = deleted
    }
}
