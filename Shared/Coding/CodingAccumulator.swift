/// Gathers, from changes seen one by one in any order, what agreement needs from a log: each event's creator and
/// its coded-field changes. A store that reads every change anyway (the server's report, the in-memory build)
/// feeds it; the view supplies the rest (documents, deletions, links) in ``input(documents:deleted:links:)``.
public struct CodingAccumulator: Sendable {
    private var creators: [String: (hlc: String, id: String, author: String)] = [:]
    private var coded: [String: [CodedChange]] = [:]
    private var submissions: BlindCoding.Submissions = [:]
    /// The documents' coding fields only, folded: who is assigned, who submitted, what was released.
    private var assignments = Replica()
    private static let codedFields = Set(Schema.codedEventFields)
    private static let setFields = Set(
        Schema.codedEventFields.filter { Schema.field($0, of: .event)?.kind == .set })

    public init() {}

    /// Notes one change; changes of documents are ignored. A change added twice changes nothing: the earliest
    /// change stays the earliest, and replaying a vote again gives the same value.
    public mutating func add(_ change: Change) {
        guard change.entity.kind == .event else {
            BlindCoding.note(change, into: &submissions)
            if Blinding.fields.contains(change.field) { assignments.apply(change) }
            return
        }
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
                author: change.author.rawValue, hlc: hlc, supersedes: change.supersedes.map(\.rawValue),
                resolution: Reason.isGiven(change.reason)))
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
        var input = AgreementInput(events: events, links: links, votes: votes)
        input.assignments = assignments.snapshots.map(Blinding.Document.init).filter(\.isAssigned)
        BlindCoding.apply(
            to: &input, submissions: submissions, created: creators.mapValues { HLC(stored: $0.hlc) },
            history: { coded[$0] ?? [] })
        return input
    }

    /// The agreement input with documents, deletions and links read from the events' snapshots (an in-memory
    /// fold's view); other entities are skipped.
    public func input(snapshots: some Sequence<EntitySnapshot>) -> AgreementInput {
        var documents: [String: String] = [:]
        var deleted = Set<String>()
        var links: [(String, String)] = []
        for snapshot in snapshots where snapshot.id.kind == .event {
            if let doc = snapshot.fields["doc"]?.value.string { documents[snapshot.id.rawValue] = doc }
            if snapshot.deleted { deleted.insert(snapshot.id.rawValue) }
            for other in snapshot.sets[Schema.sameAsField] ?? [] { links.append((snapshot.id.rawValue, other)) }
        }
        return input(documents: documents, deleted: deleted, links: links)
    }
}
