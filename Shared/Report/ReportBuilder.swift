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
    private var seen = Set<ChangeID>()
    /// The ids whose `set` changes to keep for resolutions' lookups; nil keeps every `set` change.
    private let keeping: Set<ChangeID>?
    /// The kept `set` changes, by id.
    private var sets: [ChangeID: ReportInputs.SetChange] = [:]
    private var superseding: [ReportInputs.SupersedingChange] = []
    /// The field of each note: ``EntityState`` keeps notes without it, and a delete/edit conflict shows it.
    private var noteFields: [ChangeID: String] = [:]
    private var tallies = AuthorTallies()
    /// Creators and coded-field votes, for inter-coder agreement.
    private var coding = CodingAccumulator()

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
            if change.supersedes.count >= 2 {
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

    /// What the report needs, gathered from the fold: the entities that can show a conflict, the changes that
    /// supersede several ids and the ones they supersede.
    public var inputs: ReportInputs {
        var inputs = ReportInputs()
        inputs.changes = seen.count
        inputs.analysts = tallies.analysts
        var involved: [EntityID] = []
        for (id, entity) in entities {
            // Only what can conflict or be deleted is resolved; a single live version needs no sorting.
            let deleted = entity.registers[EntitySnapshot.deletedField]?.resolved?.value == .bool(true)
            switch id.kind {
            case .document: inputs.documents += 1
            case .event:
                inputs.events += 1
                if deleted { inputs.deletedEvents += 1 }
            }
            if deleted || entity.registers.values.contains(where: { $0.live.count >= 2 }) { involved.append(id) }
        }
        var documents: [String: String] = [:]
        var deletedEvents = Set<String>()
        var links: [(String, String)] = []
        for (id, entity) in entities where id.kind == .event {
            if let doc = entity.registers["doc"]?.resolved?.value.string { documents[id.rawValue] = doc }
            if entity.registers[EntitySnapshot.deletedField]?.resolved?.value == .bool(true) {
                deletedEvents.insert(id.rawValue)
            }
            for link in entity.sets[Schema.sameAsField]?.adds.values ?? [:].values {
                links.append((id.rawValue, link.value.description))
            }
        }
        inputs.coding = coding.input(documents: documents, deleted: deletedEvents, links: links)
        let linked = Set(links.flatMap { [$0.0, $0.1] })
        inputs.noteClusters(
            members: entities.values.filter { $0.id.kind == .event && linked.contains($0.id.rawValue) }.map(\.snapshot))
        inputs.superseding = superseding
        for change in superseding {
            involved.append(change.change.entity)
            for id in change.change.version.context {
                if let old = sets[id] { inputs.supersededSets[id] = old }
            }
        }
        for id in involved where inputs.entities[id] == nil {
            guard let entity = entities[id] else { continue }
            inputs.entities[id] = Self.live(entity, noteFields: noteFields)
            if id.kind == .event, let text = entity.registers["doc"]?.resolved?.value.string,
                let document = try? EntityID(text),
                let title = entities[document]?.registers["title"]?.resolved?.value.description
            {
                inputs.documentTitles[document] = title
            }
        }
        return inputs
    }

    /// An entity's merge state as the live rows a store persists.
    static func live(_ entity: EntityState, noteFields: [ChangeID: String]) -> ReportInputs.LiveEntity {
        var notes: [String: [Version]] = [:]
        for version in entity.notes.values { notes[noteFields[version.change]!, default: []].append(version) }
        return .init(
            id: entity.id, registers: entity.registers.mapValues { Array($0.live.values) },
            setAdds: entity.sets.mapValues { Array($0.adds.values) }, notes: notes)
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
