/// The reads a store answers for the conflict report. ``ReportInputs/init(reading:)`` asks them in one order and
/// does everything else (which changes resolve what, which entities and titles to describe, the coding input), the
/// same for every store: a store only loads rows, as with the fold (``BatchFold``).
///
/// Each store answers from what it already persists: the client from the tables it keeps for the report, the
/// server from one pass over its log and its merged view, ``ReportBuilder`` from its in-memory fold.
public protocol ReportSource {
    /// What a read may throw: `Never` for an in-memory source.
    associatedtype Failure: Error

    /// Figures over every change and entity: ``ReportInputs/changes``, ``ReportInputs/analysts``,
    /// ``ReportInputs/documents``, ``ReportInputs/events`` and ``ReportInputs/deletedEvents``.
    func totals() throws(Failure) -> ReportInputs.Totals

    /// At least every entity with a register field of two or more live versions, and every deleted entity with a
    /// delete/edit conflict (more is harmless: the report shows only what the merge shows for them).
    func conflictCandidates() throws(Failure) -> Set<EntityID>

    /// At least every `set` change whose `supersedes` lists two or more `set` changes of its own entity and field, or
    /// one or more when it gives a reason (a store may give more, such as every change
    /// ``ReportInputs/SupersedingChange/isCandidate(_:)`` accepts: the others are set aside).
    func supersedingCandidates() throws(Failure) -> [ReportInputs.SupersedingChange]

    /// The `set` changes of `change`'s entity and field that its `supersedes` lists, other than itself.
    func setChanges(listedBy change: ReportInputs.SetChange) throws(Failure) -> [ReportInputs.SetChange]

    /// The merged live state of `id` (empty when the store does not know it).
    func liveEntity(_ id: EntityID) throws(Failure) -> LiveEntity

    /// What inter-coder agreement reads: every event with its creator, the live links, every coder's votes.
    func agreementInput() throws(Failure) -> AgreementInput

    /// The snapshots of every event linked to another (a member of a multi-event cluster), any order.
    func clusterMembers() throws(Failure) -> [EntitySnapshot]
}

extension ReportInputs {
    /// The report's inputs, read from `source`: the one place they are put together.
    public init<Source: ReportSource>(reading source: Source) throws(Source.Failure) {
        self.init()
        totals = try source.totals()
        var involved = try source.conflictCandidates()
        for candidate in try source.supersedingCandidates() {
            let superseded = try source.setChanges(listedBy: candidate.change)
            // One that supersedes fewer `set` changes of its own field shows nothing (most such changes are deletes
            // listing the entity's live ids of other fields): left out, its entity not loaded.
            guard superseded.count >= candidate.minimumSuperseded else { continue }
            superseding.append(candidate)
            involved.insert(candidate.change.entity)
            for old in superseded { supersededSets[old.version.change] = old }
        }
        for id in involved {
            entities[id] = try source.liveEntity(id)
        }
        var documents = Set<EntityID>()
        for entity in entities.values where entity.id.kind == .event {
            guard let text = entity.snapshot.fields["doc"]?.value.string, let document = try? EntityID(text),
                documents.insert(document).inserted,
                let title = try source.liveEntity(document).snapshot.fields["title"]?.value.description
            else { continue }
            documentTitles[document] = title
        }
        coding = try source.agreementInput()
        noteClusters(members: try source.clusterMembers())
    }
}
