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
    /// The field of each note: ``EntityState`` keeps notes without it, and a delete/edit conflict shows it.
    private(set) var noteFields: [ChangeID: String] = [:]
    /// Tallies, coding votes and superseding candidates: the report's one pass over the log.
    private(set) var pass = ReportLogPass()

    public init() { keeping = nil }

    /// A builder that keeps, for resolutions' lookups, only the `set` changes whose ids are in `keeping`: for a
    /// caller that knows every change in advance and passes every id listed by a `set` change superseding two or
    /// more (``ConflictReport/build(from:generatedAt:)``), so it need not keep every change.
    init(keeping: Set<ChangeID>) { self.keeping = keeping }

    /// Adds one change; a change already added is ignored.
    public mutating func add(_ change: Change) {
        guard seen.insert(change.id).inserted else { return }
        pass.add(change)
        entities[change.entity, default: EntityState(id: change.entity)].apply(change)
        switch change.op {
        case .set:
            if keeping?.contains(change.id) ?? true { sets[change.id] = .init(change) }
        case .append:
            noteFields[change.id] = change.field
        case .add, .remove:
            break
        }
    }

    /// Adds every change of `changes`.
    public mutating func add(contentsOf changes: some Sequence<Change>) {
        for change in changes { add(change) }
    }

    /// What the report needs, read from the fold as a store's rows are read (``ReportPlan``).
    public var inputs: ReportInputs {
        ReportPlan.run(
            planStart, sets: { ids in ids.compactMap { sets[$0] } },
            entities: { ids in
                ids.compactMap { id in entities[id].map { LiveEntity($0, noteFields: noteFields) } }
            })
    }

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

extension ReportBuilder {
    /// The plan's start, read from the fold: what a store reads from its tables.
    var planStart: ReportPlan.Start {
        var totals = ReportInputs.Totals(changes: seen.count, analysts: pass.tallies.analysts)
        var candidates = Set<EntityID>()
        var documents: [String: String] = [:]
        var deleted = Set<String>()
        var links: [(String, String)] = []
        for (id, entity) in entities {
            let isDeleted = entity.registers[EntitySnapshot.deletedField]?.resolved?.value == .bool(true)
            // Only what can conflict or be deleted is resolved; a single live version needs no sorting.
            if isDeleted || entity.registers.values.contains(where: { $0.live.count >= 2 }) { candidates.insert(id) }
            switch id.kind {
            case .document: totals.documents += 1
            case .event:
                totals.events += 1
                if isDeleted {
                    totals.deletedEvents += 1
                    deleted.insert(id.rawValue)
                }
                if let doc = entity.registers["doc"]?.resolved?.value.string { documents[id.rawValue] = doc }
                for link in entity.sets[Schema.sameAsField]?.adds.values ?? [:].values {
                    links.append((id.rawValue, link.value.description))
                }
            }
        }
        // A linked id the fold does not hold is not fetched, so the plan leaves it out of the clusters.
        return ReportPlan.Start(
            totals: totals, conflictCandidates: candidates, superseding: pass.superseding,
            coding: pass.coding.input(documents: documents, deleted: deleted, links: links),
            linked: Set(links.flatMap { [EntityID(stored: $0.0), EntityID(stored: $0.1)] }))
    }
}
