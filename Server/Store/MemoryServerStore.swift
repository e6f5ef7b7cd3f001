import ConcordCore
import Foundation

/// The in-memory twin of ``SQLiteServerStore``, for tests and throwaway servers. Same checks, same merge.
public actor MemoryServerStore: ServerStore {
    private var log: [StoredChange] = []
    private var byID: [ChangeID: Change] = [:]
    private var live: [EntityID: [String: [ChangeID: Version]]] = [:]
    private var retired: [FieldKey: Set<ChangeID>] = [:]
    private var analystsByName: [AnalystName: AnalystRecord] = [:]
    private let encoder = Change.canonicalEncoder()
    private var eventHomes: [EntityID: EventHome] = [:]
    private var codingDocs: Set<EntityID> = []

    public init() {}

    public func push(
        _ changes: [Change], replica: ReplicaID, by analyst: AnalystRecord, now: Int64, visibility: Visibility?
    ) throws -> PushResult {
        var context = PushPlanner.Context()
        for change in changes {
            if let stored = byID[change.id] { context.existing[change.id] = stored }
            let key = FieldKey(change)
            if retired[key]?.contains(change.id) == true { context.retired[key, default: []].insert(change.id) }
        }
        for id in PushPlanner.listed(changes) {
            if let stored = byID[id] { context.listed[id] = stored }
        }
        for entity in PushPlanner.entities(of: changes) {
            for (field, versions) in live[entity] ?? [:] where Schema.field(field, of: entity.kind)?.kind != .list {
                context.live[FieldKey(entity: entity, field: field)] = Array(versions.values)
            }
        }
        switch PushPlanner(analyst: analyst, now: now, visibility: visibility).plan(changes, context: context) {
        case .failure(let refusal):
            return .refused(refusal)
        case .success(let plan):
            let bodies = try plan.accepted.map { Array(try encoder.encode($0)) }
            for (change, body) in zip(plan.accepted, bodies) {
                log.append(StoredChange(seq: Int64(log.count + 1), body: body))
                byID[change.id] = change
                switch BlindIndex.home(of: change) {
                case .event(let doc):
                    if eventHomes[change.entity] == nil {
                        eventHomes[change.entity] = EventHome(document: doc, seq: Int64(log.count))
                    }
                case .codingDocument: codingDocs.insert(change.entity)
                case nil: break
                }
            }
            for delta in plan.fields {
                let key = delta.key
                var fields = live[key.entity] ?? [:]
                var versions = fields[key.field] ?? [:]
                for id in delta.removed { versions[id] = nil }
                for version in delta.inserted { versions[version.change] = version }
                fields[key.field] = versions.isEmpty ? nil : versions
                live[key.entity] = fields
                retired[key, default: []].formUnion(delta.retired.map(\.id))
            }
            return .stored(
                Wire.PushResponse(accepted: plan.accepted.count, duplicates: plan.duplicates, cursor: Int64(log.count)))
        }
    }

    public func changeID(at seq: Int64) throws -> String? {
        guard seq >= 1, seq <= Int64(log.count) else { return nil }
        return try Change.decodeFast(json: Data(log[Int(seq) - 1].body)).id.rawValue
    }

    public func codingDocuments() -> [Blinding.Document] {
        codingDocs.sorted().compactMap { snapshot(of: $0).map(Blinding.Document.init) }
    }

    public func eventHomes(in documents: Set<EntityID>) -> [EntityID: EventHome] {
        eventHomes.filter { documents.contains($0.value.document) }
    }

    public func changes(after: Int64, limit: Int) -> ChangePage {
        var index = Int(max(0, min(after, Int64(log.count))))
        return ChangePage.collect(limit: limit) {
            defer { index += 1 }
            return index < log.count ? log[index] : nil
        }
    }

    public func snapshot(of entity: EntityID) -> EntitySnapshot? {
        guard let fields = live[entity] else {
            return byID.values.contains { $0.entity == entity } ? empty(entity) : nil
        }
        return EntitySnapshot.build(id: entity, live: fields.mapValues { Array($0.values) })
    }

    private func empty(_ entity: EntityID) -> EntitySnapshot {
        EntitySnapshot(id: entity, registers: [:], setAdds: [:], notes: [])
    }

    public func conflictedSnapshots() -> [EntitySnapshot] {
        allSnapshots().filter { $0.conflictCount > 0 }
    }

    public func allSnapshots() -> [EntitySnapshot] {
        live.keys.sorted().map { EntitySnapshot.build(id: $0, live: live[$0]!.mapValues { Array($0.values) }) }
    }

    public func allChanges() throws -> [Change] {
        try log.map { try Change.decodeFast(json: Data($0.body)) }
    }

    /// Folds every change: the in-memory store is for tests and small demos.
    public func reportInputs() throws -> ReportInputs {
        var builder = ReportBuilder()
        builder.add(contentsOf: try allChanges())
        return builder.inputs
    }

    public func changeCount() -> Int64 { Int64(log.count) }

    public func addAnalyst(_ analyst: AnalystRecord) throws {
        guard analystsByName[analyst.name] == nil else { throw AdminError.analystExists(analyst.name) }
        analystsByName[analyst.name] = analyst
    }

    public func analysts() -> [AnalystRecord] { analystsByName.keys.sorted().map { analystsByName[$0]! } }

    public func revoke(_ name: AnalystName, at: Int64) throws {
        guard var analyst = analystsByName[name] else { throw AdminError.unknownAnalyst(name) }
        if analyst.revoked == nil { analyst.revoked = at }
        analystsByName[name] = analyst
    }

    public func close() {}
}
