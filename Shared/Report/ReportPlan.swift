/// Puts the report's inputs (``ReportInputs``) together from what a store answers, the same for every store.
///
/// The plan is pure: it says what it needs next (``need``), the store fetches exactly that and hands it back
/// (``receive(sets:)``, ``receive(entities:)``), until ``need`` is nil and ``inputs`` is complete. SQLite stores
/// drive it synchronously inside one read transaction, the PostgreSQL store asynchronously with one query per step
/// (``run(changes:entities:)`` drives it either way); the in-memory ``ReportBuilder`` answers from its fold. There are
/// three steps at most:
///
/// 1. the `set` changes that the superseding candidates list (to keep those that supersede enough of their own
///    field's);
/// 2. the live state of every entity that can show something: the conflict candidates, the kept superseding
///    changes' entities and the members of multi-event clusters;
/// 3. the live state of the documents those events name, for their titles.
///
/// What a store reads beforehand, from what it already persists, is the plan's ``Start``.
public struct ReportPlan: Sendable {
    /// What the plan needs from the store next.
    public enum Need: Hashable, Sendable {
        /// The `set` changes of these ids that the log holds (ids it lacks, or changes of another operation, are
        /// left out).
        case sets(Set<ChangeID>)
        /// The merged live state of these entities (an entity the store does not know may be left out).
        case entities(Set<EntityID>)
    }

    /// What a store reads before the plan starts.
    public struct Start: Sendable {
        /// Figures over every change and entity.
        public var totals: ReportInputs.Totals
        /// At least every entity with a register field of two or more live versions, and every deleted entity with
        /// a delete/edit conflict (more is harmless: the report shows only what the merge shows for them).
        public var conflictCandidates: Set<EntityID>
        /// At least every `set` change whose `supersedes` lists ``ReportInputs/SupersedingChange/minimumSuperseded``
        /// or more `set` changes of its own entity and field (a superset is fine: the plan sets the others aside).
        public var superseding: [ReportInputs.SupersedingChange]
        /// What inter-coder agreement reads.
        public var coding: AgreementInput
        /// Every event linked to another (a member of a multi-event cluster).
        public var linked: Set<EntityID>

        public init(
            totals: ReportInputs.Totals, conflictCandidates: Set<EntityID>,
            superseding: [ReportInputs.SupersedingChange], coding: AgreementInput, linked: Set<EntityID>
        ) {
            self.totals = totals
            self.conflictCandidates = conflictCandidates
            self.superseding = superseding
            self.coding = coding
            self.linked = linked
        }
    }

    /// Which answer the plan waits for; ``need`` says what it is, and nil once the inputs are complete.
    private enum Step { case sets, entities, documents }

    private var step: Step
    private let start: Start
    /// The entities whose live state goes into ``ReportInputs/entities``.
    private var involved: Set<EntityID> = []
    /// The inputs so far; complete once ``need`` is nil.
    public private(set) var inputs = ReportInputs()
    /// What the store must fetch next; nil when ``inputs`` is complete.
    public private(set) var need: Need?

    public init(_ start: Start) {
        self.start = start
        inputs.totals = start.totals
        inputs.coding = start.coding
        step = .sets
        var listed = Set<ChangeID>()
        for candidate in start.superseding {
            for id in candidate.change.version.context where id != candidate.change.version.change {
                listed.insert(id)
            }
        }
        need = .sets(listed)
    }

    /// Takes the `set` changes asked for by ``Need/sets(_:)``.
    public mutating func receive(sets: some Sequence<ReportInputs.SetChange>) {
        precondition(step == .sets, "the report plan asked for entities, not changes")
        var byID: [ChangeID: ReportInputs.SetChange] = [:]
        for set in sets { byID[set.version.change] = set }
        involved = start.conflictCandidates
        for candidate in start.superseding {
            let change = candidate.change
            let superseded = Set(change.version.context).compactMap { id -> ReportInputs.SetChange? in
                guard id != change.version.change, let old = byID[id], old.entity == change.entity,
                    old.field == change.field
                else { return nil }
                return old
            }
            // One that supersedes fewer `set` changes of its own field shows nothing (most such changes are deletes
            // listing the entity's live ids of other fields): left out, its entity not loaded.
            guard superseded.count >= candidate.minimumSuperseded else { continue }
            inputs.superseding.append(candidate)
            involved.insert(change.entity)
            for old in superseded { inputs.supersededSets[old.version.change] = old }
        }
        step = .entities
        need = .entities(involved.union(start.linked))
    }

    /// Takes the live entities asked for by ``Need/entities(_:)``.
    public mutating func receive(entities: some Sequence<LiveEntity>) {
        guard case .entities(let wanted) = need else {
            preconditionFailure("the report plan asked for changes, not entities")
        }
        var fetched: [EntityID: LiveEntity] = [:]
        for entity in entities where wanted.contains(entity.id) { fetched[entity.id] = entity }
        switch step {
        case .entities:
            var members: [EntitySnapshot] = []
            for id in wanted {
                if start.linked.contains(id), let member = fetched[id] { members.append(member.snapshot) }
                if involved.contains(id) { inputs.entities[id] = fetched[id] ?? LiveEntity(id: id) }
            }
            inputs.noteClusters(members: members)
            var documents = Set<EntityID>()
            for entity in inputs.entities.values where entity.id.kind == .event {
                if let text = entity.snapshot.fields["doc"]?.value.string, let document = try? EntityID(text) {
                    documents.insert(document)
                }
            }
            step = .documents
            need = documents.isEmpty ? nil : .entities(documents)
        case .documents:
            for (id, document) in fetched {
                if let title = document.snapshot.fields["title"]?.value.description {
                    inputs.documentTitles[id] = title
                }
            }
            need = nil
        case .sets:
            preconditionFailure("the report plan is not waiting for entities")
        }
    }

    /// Runs the plan to the end, fetching what it needs with `sets` and `entities`: synchronously, as a SQLite store
    /// or the in-memory fold does.
    public static func run<Failure: Error>(
        _ start: Start, sets: (Set<ChangeID>) throws(Failure) -> [ReportInputs.SetChange],
        entities: (Set<EntityID>) throws(Failure) -> [LiveEntity]
    ) throws(Failure) -> ReportInputs {
        var plan = ReportPlan(start)
        while let need = plan.need {
            switch need {
            case .sets(let ids): plan.receive(sets: ids.isEmpty ? [] : try sets(ids))
            case .entities(let ids): plan.receive(entities: try entities(ids))
            }
        }
        return plan.inputs
    }

    /// Runs the plan to the end, fetching what it needs with `sets` and `entities`: asynchronously, as the
    /// PostgreSQL store does.
    public static func run(
        _ start: Start, sets: (Set<ChangeID>) async throws -> [ReportInputs.SetChange],
        entities: (Set<EntityID>) async throws -> [LiveEntity]
    ) async throws -> ReportInputs {
        var plan = ReportPlan(start)
        while let need = plan.need {
            switch need {
            case .sets(let ids): plan.receive(sets: ids.isEmpty ? [] : try await sets(ids))
            case .entities(let ids): plan.receive(entities: try await entities(ids))
            }
        }
        return plan.inputs
    }
}

/// The one pass over the log that the report needs every change for: per-author tallies, the coding votes and the
/// `set` changes that may supersede several of their field's. Every store that reads its whole log for the report
/// (the server's SQLite and PostgreSQL stores, ``ReportBuilder``) feeds it each change once, in log order.
public struct ReportLogPass: Sendable {
    public private(set) var tallies = AuthorTallies()
    /// Creators and coded-field votes, for inter-coder agreement.
    public private(set) var coding = CodingAccumulator()
    /// The candidates for ``ReportPlan/Start/superseding``.
    public private(set) var superseding: [ReportInputs.SupersedingChange] = []

    public init() {}

    /// Notes one change (the caller adds each change once).
    public mutating func add(_ change: Change) {
        tallies.add(change)
        coding.add(change)
        if ReportInputs.SupersedingChange.isCandidate(change) {
            superseding.append(.init(change: .init(change), reason: change.reason))
        }
    }
}
