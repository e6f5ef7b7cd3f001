/// What agreement needs to know of one event: its document, its creator and whether it is deleted.
public struct CodingEvent: Hashable, Sendable {
    public var id: String
    /// The document the event was coded from; nil when it has none.
    public var document: String?
    /// The author of the event's earliest change (hlc order).
    public var creator: String
    public var deleted: Bool

    public init(id: String, document: String?, creator: String, deleted: Bool = false) {
        self.id = id
        self.document = document
        self.creator = creator
        self.deleted = deleted
    }
}
