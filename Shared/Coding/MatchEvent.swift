/// What `concord match` compares of one non-deleted event.
public struct MatchEvent: Hashable, Sendable {
    public var id: String
    /// The author of the event's earliest change.
    public var creator: String
    public var document: String?
    public var type: String?
    /// As coded: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    public var date: String?
    public var actors: [String]
    public var title: String
    /// Character offsets of the evidence quote in the document's text.
    public var span: Range<Int>?
    /// The id of the event's cluster (``Clusters``); events of one cluster are never suggested.
    public var cluster: String

    public init(
        id: String, creator: String, document: String?, type: String?, date: String?, actors: [String],
        title: String, span: Range<Int>?, cluster: String
    ) {
        self.id = id
        self.creator = creator
        self.document = document
        self.type = type
        self.date = date
        self.actors = actors
        self.title = title
        self.span = span
        self.cluster = cluster
    }
}
