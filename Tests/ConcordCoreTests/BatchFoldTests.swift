import ConcordCore
import Testing

/// ``BatchFold`` is the fold every store calls: a store that keeps only what its deltas say (live rows and retired
/// rows) must reach ``Replica``'s state after any split of any delivery order into batches.
@Suite("Batch fold")
struct BatchFoldTests {
    /// A store as small as the fold allows: live versions and retired ids by field, and the ids it holds.
    struct RowStore {
        var live: [FieldKey: [ChangeID: Version]] = [:]
        var notes: [EntityID: [Version]] = [:]
        var retired: [FieldKey: Set<ChangeID>] = [:]
        var held: Set<ChangeID> = []
        var retiredRowsWritten = 0

        /// Loads what the batch needs, folds it, and writes the deltas, as every store does.
        mutating func push(_ batch: [Change]) {
            // Ids held before the batch, and each fresh change's position: a store may skip the retired row of an
            // id it held when the retiring change came (the client's rule); this store does, to check it is safe.
            let heldBefore = held
            var fresh: [Change] = []
            var positionOf: [ChangeID: Int] = [:]
            for change in batch where held.insert(change.id).inserted {
                positionOf[change.id] = fresh.count
                fresh.append(change)
            }
            var loadedLive: [FieldKey: [Version]] = [:]
            var loadedRetired: [FieldKey: Set<ChangeID>] = [:]
            for change in fresh {
                let key = FieldKey(change)
                loadedLive[key] = live[key].map { Array($0.values) }
                if retired[key]?.contains(change.id) == true { loadedRetired[key, default: []].insert(change.id) }
            }
            var fold = BatchFold(live: loadedLive.compactMapValues { $0 }, retired: loadedRetired)
            for change in fresh { fold.apply(change) }
            for delta in fold.deltas {
                #expect(!delta.isEmpty)
                if delta.kind == .list {
                    notes[delta.key.entity, default: []] += delta.inserted
                    continue
                }
                for id in delta.removed {
                    #expect(live[delta.key]?[id] != nil, "only a held live version is removed")
                    live[delta.key]?[id] = nil
                }
                for version in delta.inserted { live[delta.key, default: [:]][version.change] = version }
                for retirement in delta.retired {
                    #expect(live[delta.key]?[retirement.id] == nil, "a retired id is not live")
                    if heldBefore.contains(retirement.id) || (positionOf[retirement.id] ?? .max) < retirement.by {
                        continue
                    }
                    retired[delta.key, default: []].insert(retirement.id)
                    retiredRowsWritten += 1
                }
            }
        }

        func snapshot(of entity: EntityID) -> EntitySnapshot {
            var registers: [String: [Version]] = [:]
            var setAdds: [String: [Version]] = [:]
            for (key, versions) in live where key.entity == entity && !versions.isEmpty {
                switch Schema.field(key.field, of: entity.kind)?.kind {
                case .set: setAdds[key.field] = Array(versions.values)
                default: registers[key.field] = Array(versions.values)
                }
            }
            return EntitySnapshot(id: entity, registers: registers, setAdds: setAdds, notes: notes[entity] ?? [])
        }
    }

    @Test(
        "any order, any batches, duplicates included: the rows the deltas leave are the Replica's state",
        arguments: Array(UInt64(1)...40))
    func rowsMatchReplica(seed: UInt64) {
        var sim = HistorySimulator(seed: seed &* 104_729, analysts: 3 + Int(seed % 3))
        sim.work(steps: 60 + Int(seed % 5) * 20)
        let changes = sim.allChanges
        var delivery = sim.shuffled(changes + changes.prefix(Int(sim.nextRandom() % 20)))
        delivery += delivery.suffix(5)  // a retried tail
        var store = RowStore()
        var start = 0
        while start < delivery.count {
            let size = 1 + Int(sim.nextRandom() % 40)
            store.push(Array(delivery[start..<min(delivery.count, start + size)]))
            start += size
        }
        let replica = Replica(folding: changes)
        #expect(replica.snapshots.count >= 3, "seed \(seed): the history has entities")
        for expected in replica.snapshots {
            #expect(store.snapshot(of: expected.id) == expected, "seed \(seed): \(expected.id)")
        }
    }

    @Test("a version superseded while live needs no retired row; one superseded before it arrived does")
    func retiredRows() throws {
        let event = EntityID.event(try ChangeID("0190d3a4-5b6c-7d8e-9f00-112233445566"))
        func change(_ id: String, supersedes: [String] = []) throws -> Change {
            Change(
                id: try ChangeID(id), entity: event, field: "title", op: .set, value: .string(id),
                supersedes: try supersedes.map { try ChangeID($0) }, hlc: HLC(millis: 1_000, counter: 0),
                author: try AnalystName("alice"), replica: try ReplicaID("0190d3a4-5b6c-7d8e-9f00-aaaaaaaaaaaa"))
        }
        let first = try change("0190d3a4-5b6c-7d8e-9f00-000000000001")
        let second = try change("0190d3a4-5b6c-7d8e-9f00-000000000002", supersedes: [first.id.rawValue])
        let third = try change("0190d3a4-5b6c-7d8e-9f00-000000000003", supersedes: [first.id.rawValue])

        var live = BatchFold()
        live.apply(first)
        live.apply(second)
        #expect(live.deltas.map { $0.retired.map(\.id) } == [[]], "first was live when second superseded it")
        #expect(live.deltas.map { $0.inserted.map(\.change) } == [[second.id]], "first never reaches the store")

        var early = BatchFold()
        early.apply(second)
        early.apply(first)
        #expect(
            early.deltas.map(\.retired) == [[.init(id: first.id, by: 0)]],
            "first arrives after second: the row is what hides it")
        #expect(early.deltas.map { $0.inserted.map(\.change) } == [[second.id]])

        // Loaded as retired, the change stays hidden; loaded as live, a later supersede removes it.
        var loaded = BatchFold(retired: [FieldKey(first): [first.id]])
        loaded.apply(first)
        #expect(loaded.deltas.isEmpty)
        var held = BatchFold(live: [FieldKey(first): [Version(first), Version(second)]])
        held.apply(third)
        let delta = try #require(held.deltas.first)
        #expect(delta.removed == [first.id] && delta.retired.isEmpty && delta.inserted.map(\.change) == [third.id])
        #expect(Set(held.live(FieldKey(first)).map(\.change)) == [second.id, third.id])
    }
}
