/// Per-author figures over a stream of changes, for the report's *Analysts* table: how many changes, how many
/// events touched, the first and last clock. Each change is added once (the caller sets duplicates aside). The one
/// tally for every reader of the log: ``ReportBuilder`` and the server's report pass (``ReportLogPass``) add change by
/// change; the client's report tables (`ReportState`) add runs of one author's changes to one entity, per applied
/// batch, and merge the batch's ``entries`` into the rows they keep.
public struct AuthorTallies: Sendable {
    /// One author's figures.
    public struct Entry: Sendable {
        public var name: AnalystName
        public var changes = 0
        /// The distinct events this author wrote any change to.
        public var events = Set<EntityID>()
        public var first: HLC
        public var last: HLC
        /// The event of this author's previous change: consecutive changes to one event skip the set insert.
        fileprivate var lastEvent: EntityID?
    }

    private var index: [AnalystName: Int] = [:]
    /// One entry per author, in the order they first appeared.
    public private(set) var entries: [Entry] = []
    /// Changes added.
    public private(set) var changes = 0

    public init() {}

    public mutating func add(_ change: Change) {
        add(1, by: change.author, first: change.hlc, last: change.hlc, event: change.entity)
    }

    /// Adds `count` changes by `author` to `entity`, whose clocks lie between `first` and `last`.
    public mutating func add(_ count: Int, by author: AnalystName, first: HLC, last: HLC, event entity: EntityID) {
        changes += count
        let position: Int
        if let known = index[author] {
            position = known
        } else {
            position = entries.count
            index[author] = position
            entries.append(Entry(name: author, first: first, last: last))
        }
        entries[position].changes += count
        if entity.kind == .event && entries[position].lastEvent != entity {
            entries[position].lastEvent = entity
            entries[position].events.insert(entity)
        }
        if first < entries[position].first { entries[position].first = first }
        if last > entries[position].last { entries[position].last = last }
    }

    /// Whether nothing was added.
    public var isEmpty: Bool { entries.isEmpty }

    /// One tally per author, in the order they first appeared.
    public var analysts: [ReportInputs.AnalystTally] {
        entries.map {
            .init(name: $0.name, changes: $0.changes, eventsTouched: $0.events.count, first: $0.first, last: $0.last)
        }
    }
}
