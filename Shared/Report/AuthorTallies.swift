/// Per-author figures over a stream of changes, for the report's *Analysts* table: how many changes, how many
/// events touched, the first and last clock. Each change is added once (the caller sets duplicates aside). Used by
/// every builder that reads the log: ``ReportBuilder`` and the server's report pass.
public struct AuthorTallies: Sendable {
    private struct Tally: Sendable {
        var name: AnalystName
        var changes = 0
        /// The event of this author's previous change: consecutive changes to one event skip the set insert.
        var lastEvent: EntityID?
        var events = Set<EntityID>()
        var first: HLC
        var last: HLC
    }

    private var index: [AnalystName: Int] = [:]
    private var tallies: [Tally] = []
    /// Changes added.
    public private(set) var changes = 0

    public init() {}

    public mutating func add(_ change: Change) {
        changes += 1
        let position: Int
        if let known = index[change.author] {
            position = known
        } else {
            position = tallies.count
            index[change.author] = position
            tallies.append(Tally(name: change.author, first: change.hlc, last: change.hlc))
        }
        tallies[position].changes += 1
        if change.entity.kind == .event && tallies[position].lastEvent != change.entity {
            tallies[position].lastEvent = change.entity
            tallies[position].events.insert(change.entity)
        }
        if change.hlc < tallies[position].first { tallies[position].first = change.hlc }
        if change.hlc > tallies[position].last { tallies[position].last = change.hlc }
    }

    /// One tally per author, in the order they first appeared.
    public var analysts: [ReportInputs.AnalystTally] {
        tallies.map {
            .init(name: $0.name, changes: $0.changes, eventsTouched: $0.events.count, first: $0.first, last: $0.last)
        }
    }
}
