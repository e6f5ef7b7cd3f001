import ConcordCore

/// Realistic changes at any size: one simulated multi-analyst history (creations, concurrent edits, conflicts,
/// resolutions, set adds and removes, notes, deletes) replayed over fresh events until there are enough.
///
/// Simulating a million changes directly costs minutes (each simulated edit lists the analyst's events), so the
/// generator simulates one *tile* of a few thousand changes, then copies it with new change and event ids and
/// later clocks. Every copy keeps the tile's conflict structure: supersedes point at the copy's own ids.
struct Workload {
    /// The analysts who wrote the changes: `analyst-0` … and a last `adjudicator-N`.
    let analysts: [(name: AnalystName, role: Role)]
    /// Every change, per author, in the order that author wrote them.
    let byAuthor: [[Change]]
    /// Every change, in a causal order (per author order kept; authors interleaved by hlc).
    let all: [Change]

    init(changes target: Int, analysts count: Int, seed: UInt64 = 42) {
        let tileSize = min(max(target, 200), 5_000)
        var simulator = HistorySimulator(seed: seed, analysts: count)
        var delivered = [Int](repeating: 0, count: count)
        var log: [Change] = []
        var step = 0
        while log.count < tileSize {
            let who = Int(simulator.nextRandom() % UInt64(count))
            log.append(contentsOf: simulator.edit(by: who))
            step += 1
            // Every few steps each analyst sees, with some probability, what the team wrote since last time.
            if step % 12 == 0 {
                for j in 0..<count where simulator.nextRandom() % 100 < 60 {
                    simulator.deliver(Array(log[delivered[j]...]), to: j)
                    delivered[j] = log.count
                }
            }
        }
        analysts = simulator.analysts.map { ($0.name, $0.role) }
        let authorIndex = Dictionary(uniqueKeysWithValues: analysts.enumerated().map { ($1.name, $0) })
        let tile = log
        let first = tile.map(\.hlc.millis).min() ?? 0
        let last = tile.map(\.hlc.millis).max() ?? 0
        let span = last - first + 10_000

        var ticks: Int64 = 0
        var ids = UUIDv7Generator(
            now: {
                ticks += 1
                return 1_752_224_400_000 + ticks / 16
            }, random: SeededRandom(seed: seed &+ 1))
        var all: [Change] = []
        all.reserveCapacity(target + tileSize)
        var copy: Int64 = 0
        while all.count < target {
            var changeIDs: [ChangeID: ChangeID] = [:]
            var entities: [EntityID: EntityID] = [:]
            changeIDs.reserveCapacity(tileSize)
            func mapped(_ id: ChangeID) -> ChangeID {
                if let new = changeIDs[id] { return new }
                let new = ids.next()
                changeIDs[id] = new
                return new
            }
            for change in tile {
                if all.count == target { break }
                var c = change
                c.id = mapped(change.id)
                if change.entity.kind == .event {
                    if let entity = entities[change.entity] {
                        c.entity = entity
                    } else {
                        let entity = EntityID.event(ids.next())
                        entities[change.entity] = entity
                        c.entity = entity
                    }
                }
                // Each copy of the tile codes a document of its own (same id length), so the log spans many
                // documents as a real project does (the `blind` scenario assigns a tenth of them).
                if change.entity.kind == .event && change.field == "doc" {
                    let hex = String(copy, radix: 16)
                    c.value = .string("document/" + String(repeating: "0", count: 16 - hex.count) + hex)
                }
                c.supersedes = change.supersedes.map(mapped)
                c.hlc = HLC(millis: change.hlc.millis + copy * span, counter: change.hlc.counter)
                all.append(c)
            }
            copy += 1
        }
        var byAuthor = [[Change]](repeating: [], count: count)
        for change in all { byAuthor[authorIndex[change.author]!].append(change) }
        self.byAuthor = byAuthor
        self.all = all
    }
}
