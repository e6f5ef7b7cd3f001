import ConcordCore

/// A row of `concord docs`.
public struct DocumentSummary: Hashable, Sendable, Encodable {
    public var id: EntityID
    public var title: String?
    public var source: String?
    public var published: String?

    enum CodingKeys: String, CodingKey { case id, title, source, published }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(source, forKey: .source)
        try c.encode(published, forKey: .published)
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
    /// The event's creator: the author of its earliest change (protocol.md §11). Shown in the `events` table; not in
    /// `events --json`, whose keys protocol.md §7 fixes.
    public var creator: String?

    enum CodingKeys: String, CodingKey { case id, doc, title, type, date, conflicts, deleted }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(doc, forKey: .doc)
        try c.encode(title, forKey: .title)
        try c.encode(type, forKey: .type)
        try c.encode(date, forKey: .date)
        try c.encode(conflicts, forKey: .conflicts)
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
