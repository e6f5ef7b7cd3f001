/// Everything ``AgreementReport/compute(_:fields:)`` reads: events, live `same_as` links and votes.
public struct AgreementInput: Sendable {
    public var events: [CodingEvent]
    /// Live `same_as` edges, either direction.
    public var links: [(String, String)]
    public var votes: [CoderVote]
    /// What blind coding set apart (protocol.md §15), when some coder submitted a document.
    public var blind: BlindCoding?
    /// The documents with assignees, as their coding state (protocol.md §15), by id.
    public var assignments: [Blinding.Document] = []

    public init(events: [CodingEvent], links: [(String, String)] = [], votes: [CoderVote]) {
        self.events = events
        self.links = links
        self.votes = votes
    }
}
