import ConcordCore

/// A row of `concord docs`.
public struct DocumentSummary: Hashable, Sendable, Encodable {
    public var id: EntityID
    public var title: String?
    public var source: String?
    public var published: String?
    /// Schema 3 (protocol.md §17): the byline, the article's URL, the file it was imported from.
    public var byline: String?
    public var url: String?
    public var file: String?

    public init(
        id: EntityID, title: String?, source: String?, published: String?, byline: String? = nil, url: String? = nil,
        file: String? = nil
    ) {
        self.id = id
        self.title = title
        self.source = source
        self.published = published
        self.byline = byline
        self.url = url
        self.file = file
    }

    enum CodingKeys: String, CodingKey { case id, title, source, published, byline, url, file }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(source, forKey: .source)
        try c.encode(published, forKey: .published)
        try c.encode(byline, forKey: .byline)
        try c.encode(url, forKey: .url)
        try c.encode(file, forKey: .file)
    }
}

/// A row of `concord events`.
public struct EventSummary: Hashable, Sendable, Encodable {
    public var id: EntityID
    public var doc: String?
    public var title: String?
    public var type: String?
    public var date: String?
    public var conflicts: Int
    public var deleted: Bool
    /// The event's creator: the author of its earliest change (protocol.md §11).
    public var creator: String?
    /// The displayed values of the other coded fields and the coded sets (sorted), filled by
    /// ``LocalStore/events(_:)`` for `events --json`.
    public var mode: String?
    public var country: String?
    public var location: String?
    public var confidence: String?
    public var actors: [String] = []
    public var recipients: [String] = []
    public var context: [String] = []
    /// The event's open cluster disagreements (protocol.md §11).
    public var disagreements = 0

    public init(
        id: EntityID, doc: String?, title: String?, type: String?, date: String?, conflicts: Int, deleted: Bool,
        creator: String?
    ) {
        self.id = id
        self.doc = doc
        self.title = title
        self.type = type
        self.date = date
        self.conflicts = conflicts
        self.deleted = deleted
        self.creator = creator
    }

    enum CodingKeys: String, CodingKey {
        case id, doc, title, creator, type, mode, date, country, location, confidence, actors, recipients, context
        case conflicts, disagreements, deleted
    }

    /// The `events --json` item of protocol.md §7: every key, null or empty when the event has no value.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(doc, forKey: .doc)
        try c.encode(title, forKey: .title)
        try c.encode(creator, forKey: .creator)
        try c.encode(type, forKey: .type)
        try c.encode(mode, forKey: .mode)
        try c.encode(date, forKey: .date)
        try c.encode(country, forKey: .country)
        try c.encode(location, forKey: .location)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(actors, forKey: .actors)
        try c.encode(recipients, forKey: .recipients)
        try c.encode(context, forKey: .context)
        try c.encode(conflicts, forKey: .conflicts)
        try c.encode(disagreements, forKey: .disagreements)
        try c.encode(deleted, forKey: .deleted)
    }
}

/// One change to an entity, as `concord show --history` lists it.
public struct HistoryEntry: Hashable, Sendable {
    public var change: Change
    public var state: LogState
    /// Whether `concord undo` wrote the change in this store.
    public var undo = false
}
