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
    /// Who the event was aimed at (PLOVER's recipients). Coders often swap who acted and who received (a
    /// meeting's host and visitor), so the scorer compares the participants, actors and recipients together.
    public var recipients: [String]
    /// ISO 3166-1 alpha-3 code of where it happened.
    public var country: String?
    public var title: String
    /// Character offsets of the evidence quote in the document's normalised text (``Evidence/locate(_:in:)``).
    public var span: Range<Int>?
    /// The evidence quote as coded.
    public var evidence: String?
    /// The sentence (or sentences) of the document that hold the quote, and their offsets: two coders who quote
    /// different words of one sentence report the same thing.
    public var sentence: Range<Int>?
    public var sentenceText: String?
    /// The id of the event's cluster (``Clusters``); events of one cluster are never suggested.
    public var cluster: String
    /// Events dismissed as different happenings (`distinct_from`, either direction): never suggested with this one.
    public var distinct: Set<String>

    public init(
        id: String, creator: String, document: String?, type: String?, date: String?, actors: [String],
        recipients: [String] = [], country: String? = nil, title: String, span: Range<Int>?,
        evidence: String? = nil, sentence: Range<Int>? = nil, sentenceText: String? = nil, cluster: String,
        distinct: Set<String> = []
    ) {
        self.id = id
        self.creator = creator
        self.document = document
        self.type = type
        self.date = date
        self.actors = actors
        self.recipients = recipients
        self.country = country
        self.title = title
        self.span = span
        self.evidence = evidence
        self.sentence = sentence
        self.sentenceText = sentenceText
        self.cluster = cluster
        self.distinct = distinct
    }
}
