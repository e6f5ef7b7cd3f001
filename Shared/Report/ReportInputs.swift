/// Everything ``ConflictReport/build(inputs:generatedAt:)`` needs, far less than every change.
///
/// Put together in one place, ``ReportPlan``, from the reads a store answers with cheap queries over what it
/// already persists, or from ``ReportBuilder``'s in-memory fold; the one finishing step in ConcordCore then turns
/// them into the report, so the client, the server and the in-memory build agree byte for byte.
///
/// What each part holds (``entities`` may hold more than required: the finishing step only reports what the merge
/// shows for them):
/// - ``totals``: over every change and entity.
/// - ``entities``: the live state of at least every entity with a register field of two or more live versions,
///   every deleted entity with a delete/edit conflict, and every entity of ``superseding``.
/// - ``documentTitles``: the displayed title of every known document that an entity of ``entities`` names in `doc`.
/// - ``superseding``: every `set` change whose `supersedes` lists two or more `set` changes of its own entity and
///   field.
/// - ``supersededSets``: the `set` changes of their own entity and field that those list.
public struct ReportInputs: Sendable {
    /// Figures over every change and entity.
    public var totals = Totals()
    /// The live state of the entities the report describes, by id.
    public var entities: [EntityID: LiveEntity] = [:]
    /// The displayed title of documents referred to by ``entities``; a document without one is absent.
    public var documentTitles: [EntityID: String] = [:]
    /// The `set` changes that supersede two or more ids: resolutions and past episodes.
    public var superseding: [SupersedingChange] = []
    /// The `set` changes listed in the `supersedes` of ``superseding``, by id.
    public var supersededSets: [ChangeID: SetChange] = [:]
    /// What inter-coder agreement reads: every event with its creator, the live links, and every coder's votes.
    public var coding = AgreementInput(events: [], votes: [])
    /// Analysts' differing codings of linked events (protocol.md §11), and the displayed titles of the events they name.
    public var clusterDisagreements: [ClusterDisagreement] = []
    public var eventTitles: [EntityID: String] = [:]

    public init() {}

    /// Sets ``clusterDisagreements`` and ``eventTitles`` from the snapshots of every member of the multi-event
    /// clusters (each store reads those its own way): the one place the report's list is made.
    public mutating func noteClusters(members: [EntitySnapshot]) {
        clusterDisagreements = ClusterDisagreement.list(members)
        let named = Set(clusterDisagreements.flatMap { $0.candidates.map(\.event) })
        for member in members where named.contains(member.id) {
            if let title = member.fields["title"]?.value.description { eventTitles[member.id] = title }
        }
    }

    /// Figures over every change and entity.
    public struct Totals: Hashable, Sendable {
        /// Distinct changes.
        public var changes: Int
        /// One tally per author, any order.
        public var analysts: [AnalystTally]
        /// Documents known (with any change).
        public var documents: Int
        /// Events known (with any change).
        public var events: Int
        /// Events whose displayed `deleted` is true.
        public var deletedEvents: Int

        public init(
            changes: Int = 0, analysts: [AnalystTally] = [], documents: Int = 0, events: Int = 0,
            deletedEvents: Int = 0
        ) {
            self.changes = changes
            self.analysts = analysts
            self.documents = documents
            self.events = events
            self.deletedEvents = deletedEvents
        }
    }

    /// What one author wrote.
    public struct AnalystTally: Hashable, Sendable {
        public var name: AnalystName
        /// Distinct changes by this author.
        public var changes: Int
        /// Distinct events this author wrote any change to.
        public var eventsTouched: Int
        public var first: HLC
        public var last: HLC

        public init(name: AnalystName, changes: Int, eventsTouched: Int, first: HLC, last: HLC) {
            self.name = name
            self.changes = changes
            self.eventsTouched = eventsTouched
            self.first = first
            self.last = last
        }
    }

    /// A `set` change as the report needs it.
    public struct SetChange: Hashable, Sendable {
        public var entity: EntityID
        public var field: String
        /// The change as a version (its id, value, author, clock, replica and `supersedes`).
        public var version: Version

        public init(entity: EntityID, field: String, version: Version) {
            self.entity = entity
            self.field = field
            self.version = version
        }
    }

    /// A `set` change that may decide something: its `supersedes` lists two or more ids, or it gives a reason (an
    /// adjudicator's decision) and lists one or more.
    public struct SupersedingChange: Hashable, Sendable {
        public var change: SetChange
        public var reason: String?

        public init(change: SetChange, reason: String?) {
            self.change = change
            self.reason = reason
        }

        /// How many `set` changes of its own field the change must supersede to be reported: one for a decision
        /// with a reason (a restore, a delete, a cluster's resolution on a member that held one vote), else two.
        public var minimumSuperseded: Int { Self.minimumSuperseded(reason: reason) }

        public static func minimumSuperseded(reason: String?) -> Int {
            (reason?.allSatisfy(\.isWhitespace) ?? true) ? 2 : 1
        }

        /// Whether a store must offer `change` as a candidate (``ReportPlan/Start/superseding``): a `set`
        /// that lists at least ``minimumSuperseded`` ids.
        public static func isCandidate(_ change: Change) -> Bool {
            change.op == .set && change.supersedes.count >= minimumSuperseded(reason: change.reason)
        }
    }
}
