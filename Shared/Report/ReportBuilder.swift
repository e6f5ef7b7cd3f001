import Foundation

/// Builds a ``ConflictReport`` incrementally, so a caller can feed changes as it reads them.
///
/// ```swift
/// var builder = ReportBuilder()
/// for change in rows { builder.add(change) }
/// let report = builder.finish(generatedAt: Date())
/// ```
///
/// State comes from the one merge (``EntityState`` per entity, as ``Replica`` folds them); the builder adds
/// per-analyst tallies and keeps, of the changes themselves, only what the report looks up: the `set` changes
/// that supersede several ids (resolutions and past episodes), the `set` changes such changes may list, and the
/// field of each note. It ends in ``ReportInputs`` and the one finishing step the stores use too. `add` is
/// O(1 + supersedes); `finish` is linear in the entities that can show a conflict and such changes' supersedes.
public struct ReportBuilder: Sendable {
    /// The merge state of every entity added so far.
    public private(set) var entities: [EntityID: EntityState] = [:]
    /// Every change id added: a change added again is ignored.
    private(set) var seen = Set<ChangeID>()
    /// The ids whose `set` changes to keep for resolutions' lookups; nil keeps every `set` change.
    private let keeping: Set<ChangeID>?
    /// The kept `set` changes, by id.
    private(set) var sets: [ChangeID: ReportInputs.SetChange] = [:]
    private(set) var superseding: [ReportInputs.SupersedingChange] = []
    /// The field of each note: ``EntityState`` keeps notes without it, and a delete/edit conflict shows it.
    private(set) var noteFields: [ChangeID: String] = [:]
    private(set) var tallies = AuthorTallies()
    /// Creators and coded-field votes, for inter-coder agreement.
    private(set) var coding = CodingAccumulator()

    public init() { keeping = nil }

    /// A builder that keeps, for resolutions' lookups, only the `set` changes whose ids are in `keeping`: for a
    /// caller that knows every change in advance and passes every id listed by a `set` change superseding two or
    /// more (``ConflictReport/build(from:generatedAt:)``), so it need not keep every change.
    init(keeping: Set<ChangeID>) { self.keeping = keeping }

    /// Adds one change; a change already added is ignored.
    public mutating func add(_ change: Change) {
        guard seen.insert(change.id).inserted else { return }
        coding.add(change)
        entities[change.entity, default: EntityState(id: change.entity)].apply(change)
        switch change.op {
        case .set:
            if ReportInputs.SupersedingChange.isCandidate(change) {
                superseding.append(.init(change: .init(change), reason: change.reason))
            }
            if keeping?.contains(change.id) ?? true { sets[change.id] = .init(change) }
        case .append:
            noteFields[change.id] = change.field
        case .add, .remove:
            break
        }
        tallies.add(change)
    }

    /// Adds every change of `changes`.
    public mutating func add(contentsOf changes: some Sequence<Change>) {
        for change in changes { add(change) }
    }

    /// What the report needs, read from the fold as a store's rows are read (``ReportInputs/init(reading:)``).
    public var inputs: ReportInputs { ReportInputs(reading: FoldSource(self)) }

    /// The report over everything added.
    public func finish(generatedAt: Date? = nil) -> ConflictReport {
        ConflictReport.build(inputs: inputs, generatedAt: generatedAt)
    }
}

extension ReportInputs.SetChange {
    /// A `set` change as the report keeps it.
    public init(_ change: Change) {
        self.init(entity: change.entity, field: change.field, version: Version(change))
    }
}

/// A ``ReportBuilder``'s fold as the reads of a store.
private struct FoldSource: ReportSource {
    let builder: ReportBuilder
    /// Every live link between events, as (event, linked event) ids.
    let links: [(String, String)]

    init(_ builder: ReportBuilder) {
        self.builder = builder
        var links: [(String, String)] = []
        for (id, entity) in builder.entities where id.kind == .event {
            for link in entity.sets[Schema.sameAsField]?.adds.values ?? [:].values {
                links.append((id.rawValue, link.value.description))
            }
        }
        self.links = links
    }

    func totals() -> ReportInputs.Totals {
        var totals = ReportInputs.Totals(changes: builder.seen.count, analysts: builder.tallies.analysts)
        for (id, entity) in builder.entities {
            switch id.kind {
            case .document: totals.documents += 1
            case .event:
                totals.events += 1
                if Self.isDeleted(entity) { totals.deletedEvents += 1 }
            }
        }
        return totals
    }

    func conflictCandidates() -> Set<EntityID> {
        // Only what can conflict or be deleted is resolved; a single live version needs no sorting.
        Set(
            builder.entities.values.lazy.filter {
                Self.isDeleted($0) || $0.registers.values.contains { $0.live.count >= 2 }
            }.map(\.id))
    }

    func supersedingCandidates() -> [ReportInputs.SupersedingChange] { builder.superseding }

    func setChanges(listedBy change: ReportInputs.SetChange) -> [ReportInputs.SetChange] {
        Set(change.version.context).compactMap { id in
            guard id != change.version.change, let old = builder.sets[id], old.entity == change.entity,
                old.field == change.field
            else { return nil }
            return old
        }
    }

    func liveEntity(_ id: EntityID) -> LiveEntity {
        builder.entities[id].map { LiveEntity($0, noteFields: builder.noteFields) } ?? LiveEntity(id: id)
    }

    func agreementInput() -> AgreementInput {
        var documents: [String: String] = [:]
        var deleted = Set<String>()
        for (id, entity) in builder.entities where id.kind == .event {
            if let doc = entity.registers["doc"]?.resolved?.value.string { documents[id.rawValue] = doc }
            if Self.isDeleted(entity) { deleted.insert(id.rawValue) }
        }
        return builder.coding.input(documents: documents, deleted: deleted, links: links)
    }

    func clusterMembers() -> [EntitySnapshot] {
        let linked = Set(links.flatMap { [$0.0, $0.1] })
        return builder.entities.values.filter { $0.id.kind == .event && linked.contains($0.id.rawValue) }.map(
            \.snapshot)
    }

    private static func isDeleted(_ entity: EntityState) -> Bool {
        entity.registers[EntitySnapshot.deletedField]?.resolved?.value == .bool(true)
    }
}
