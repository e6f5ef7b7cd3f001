/// Gathers, from changes seen one by one in any order, what agreement needs from a log: each event's creator and
/// its coded-field changes. A store that reads every change anyway (the server's report, the in-memory build)
/// feeds it; the view supplies the rest (documents, deletions, links) in ``input(documents:deleted:links:)``.
public struct CodingAccumulator: Sendable {
    private var creators: [String: (hlc: String, id: String, author: String)] = [:]
    private var coded: [String: [CodedChange]] = [:]
    private var seen = Set<String>()
    private static let codedFields = Set(Schema.codedEventFields)
    private static let setFields = Set(
        Schema.codedEventFields.filter { Schema.field($0, of: .event)?.kind == .set })

    public init() {}

    /// Notes one change; changes of documents and duplicates are ignored.
    public mutating func add(_ change: Change) {
        guard change.entity.kind == .event, seen.insert(change.id.rawValue).inserted else { return }
        let entity = change.entity.rawValue
        let hlc = change.hlc.description
        if let current = creators[entity], (current.hlc, current.id) <= (hlc, change.id.rawValue) {
        } else {
            creators[entity] = (hlc, change.id.rawValue, change.author.rawValue)
        }
        guard Self.codedFields.contains(change.field) else { return }
        coded[entity, default: []].append(
            CodedChange(
                id: change.id.rawValue, field: change.field, op: change.op, value: change.value.description,
                author: change.author.rawValue, hlc: hlc, supersedes: change.supersedes.map(\.rawValue)))
    }

    /// The agreement input for the events this accumulator saw, with each event's displayed document and deletion
    /// and the live `same_as` links from the view.
    public func input(documents: [String: String], deleted: Set<String>, links: [(String, String)])
        -> AgreementInput
    {
        let events = creators.map { id, creator in
            CodingEvent(id: id, document: documents[id], creator: creator.author, deleted: deleted.contains(id))
        }.sorted { $0.id < $1.id }
        var votes: [CoderVote] = []
        for (event, changes) in coded.sorted(by: { $0.key < $1.key }) {
            votes += CodingVotes.votes(event: event, changes: changes, sets: Self.setFields)
        }
        return AgreementInput(events: events, links: links, votes: votes)
    }
}
