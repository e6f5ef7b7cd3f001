/// Generates random, realistic multi-analyst histories from a seed: creations, edits, conflicts, resolutions,
/// set adds and removes, notes, deletes and restores, links between events (`same_as`), with analysts who see each
/// other's work only partly. Analysts vote as protocol.md §11 has them: on a coded field they replace and remove only
/// their own versions; only the adjudicator decides between analysts.
///
/// Used by the property tests of every store and by `concord-bench`. The same seed gives the same history.
public struct HistorySimulator {
    public private(set) var analysts: [SimulatedAnalyst]
    public private(set) var random: SeededRandom
    /// Simulated wall time in Unix ms; advances a little with every step.
    public private(set) var wall: Int64 = 1_752_224_400_000
    public let document: EntityID
    private let values: [String: [String]] = [
        "type": ["COOPERATE", "MOBILIZE", "CONSULT", "AGREE", "AID"],
        "location": ["Jeju", "international waters", "Seoul", "Korean Peninsula"],
        "country": ["KOR", "JPN", "USA", "PRK"],
        "confidence": ["low", "medium", "high"],
        "date": ["2025-07-11", "2025-07", "2025"],
        "title": ["Joint air drill with a US B-52", "Trilateral air drill", "B-52 drill over international waters"],
        "actors": ["Japan", "South Korea", "United States", "North Korea"],
        "tags": ["b52", "drill", "deterrence", "trilateral"],
    ]

    /// - Parameters:
    ///   - analysts: How many replicas; the last one is an adjudicator.
    public init(seed: UInt64, analysts count: Int) {
        random = SeededRandom(seed: seed)
        var analysts: [SimulatedAnalyst] = []
        for i in 0..<count {
            var replicaIDs = UUIDv7Generator(now: { Int64(i) }, random: SeededRandom(seed: seed &+ UInt64(i) &* 7919))
            let replica = try! ReplicaID(replicaIDs.next().rawValue)
            let start = 1_752_224_400_000 as Int64
            var ticks: Int64 = 0
            let ids = UUIDv7Generator(
                now: {
                    ticks += 1
                    return start + ticks
                }, random: SeededRandom(seed: seed &* 31 &+ UInt64(i)))
            analysts.append(
                SimulatedAnalyst(
                    name: try! AnalystName(i == count - 1 ? "adjudicator-\(i)" : "analyst-\(i)"),
                    role: i == count - 1 ? .adjudicator : .analyst, replicaID: replica, ids: ids))
        }
        self.analysts = analysts
        document = try! EntityID("document/3f9a1c0d5e7b2a46")
    }

    private mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    private mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

    /// Lets analyst `index` make one random edit as the CLI would; returns the changes written (possibly none).
    @discardableResult
    public mutating func edit(by index: Int) -> [Change] {
        wall += Int64(random.next() % 2_000)
        // Each analyst's wall clock is skewed a little, as real machines are.
        let now = wall + Int64(index * 37) - 50
        var analyst = analysts[index]
        defer { analysts[index] = analyst }
        let events = analyst.replica.entities.keys.filter { $0.kind == .event }.sorted()
        if events.isEmpty || chance(8) {
            let id = analyst.newEventID()
            return [
                analyst.write(id, "doc", .set, .string(document.rawValue), wall: now),
                analyst.write(id, "title", .set, .string(pick(values["title"]!)), wall: now),
            ]
        }
        let event = pick(events)
        let snapshot = analyst.replica.snapshot(of: event)!
        if snapshot.deleted {
            // The CLI refuses edits to a deleted event: restore, or confirm the delete.
            if chance(50) {
                return [
                    analyst.write(
                        event, "deleted", .set, .bool(false),
                        supersedes: try! EditPlanner.restore(
                            snapshot, author: analyst.name), wall: now)
                ]
            }
            if !snapshot.deleteEditConflict.isEmpty {
                return [
                    analyst.write(
                        event, "deleted", .set, .bool(true),
                        supersedes: EditPlanner.delete(
                            snapshot, author: analyst.name), wall: now)
                ]
            }
            return []
        }
        let roll = random.next() % 100
        let state = analyst.replica.entities[event]!
        switch roll {
        case 0..<40:
            let field = pick(["type", "location", "country", "confidence", "date", "title"])
            let live = Array(state.registers[field]?.live.values ?? [:].values)
            let value = FieldValue.string(pick(values[field]!))
            return [
                analyst.write(
                    event, field, .set, value,
                    supersedes: EditPlanner.supersedesForSet(
                        live: live, author: analyst.name, coded: Schema.isCoded(field, of: .event)),
                    wall: now)
            ]
        case 40..<55:
            let field = pick(["actors", "tags"])
            return [analyst.write(event, field, .add, .string(pick(values[field]!)), wall: now)]
        case 55..<65:
            let field = pick(["actors", "tags"])
            let adds = Array(state.sets[field]?.adds.values ?? [:].values).inMergeOrder()
            // A coded set's remove takes away only the author's own adds (protocol.md §11).
            let author = Schema.isCoded(field, of: .event) ? analyst.name : nil
            guard let element = adds.first(where: { author == nil || $0.author == author })?.value.description,
                let ids = try? EditPlanner.remove(element: element, adds: adds, field: field, author: author)
            else { return [] }
            return [analyst.write(event, field, .remove, .string(element), supersedes: ids, wall: now)]
        case 65..<75:
            return [analyst.write(event, "notes", .append, .string("note \(random.next() % 1000)"), wall: now)]
        case 75..<82:
            return [
                analyst.write(
                    event, "deleted", .set, .bool(true),
                    supersedes: EditPlanner.delete(snapshot, author: analyst.name), wall: now)
            ]
        case 82..<88 where analyst.role == .analyst:
            // Links this event to another live one as the same happening (`concord link`), as any analyst may.
            let others = events.filter { $0 != event && analyst.replica.snapshot(of: $0)?.deleted == false }
            guard !others.isEmpty else { return [] }
            let other = pick(others)
            let linked = Set(snapshot.sets[Schema.sameAsField] ?? [])
            guard !linked.contains(other.rawValue) else { return [] }
            return [analyst.write(event, Schema.sameAsField, .add, .string(other.rawValue), wall: now)]
        case 88..<91 where analyst.role == .analyst:
            // Unlinks (`concord unlink`): removes the adds of one link it has seen, whoever wrote them.
            let adds = Array(state.sets[Schema.sameAsField]?.adds.values ?? [:].values).inMergeOrder()
            guard let element = adds.first?.value.description,
                let ids = try? EditPlanner.remove(element: element, adds: adds, field: Schema.sameAsField)
            else { return [] }
            return [analyst.write(event, Schema.sameAsField, .remove, .string(element), supersedes: ids, wall: now)]
        default:
            guard analyst.role == .adjudicator, let field = snapshot.conflictedFields.first else { return [] }
            let live = snapshot.fields[field]!.candidates
            let supersedes = try! EditPlanner.resolution(field: field, live: live, role: analyst.role)
            let value = chance(50) ? pick(live).value : live.first!.value
            return [analyst.write(event, field, .set, value, supersedes: supersedes, reason: "adjudicated", wall: now)]
        }
    }

    /// Delivers `changes` to analyst `index`, shuffled, with some duplicated.
    public mutating func deliver(_ changes: [Change], to index: Int) {
        var batch = changes
        for _ in 0..<(changes.isEmpty ? 0 : Int(random.next() % 3)) { batch.append(pick(changes)) }
        batch.shuffle(using: &random)
        analysts[index].receive(batch, wall: wall)
    }

    /// Plays `steps` random steps of offline work: at each, one analyst edits (``edit(by:)``) or, one time in four,
    /// receives everything another analyst has written so far.
    public mutating func work(steps: Int) {
        for _ in 0..<steps {
            let who = Int(nextRandom() % UInt64(analysts.count))
            if nextRandom() % 4 == 0 {
                let from = Int(nextRandom() % UInt64(analysts.count))
                deliver(analysts[from].written, to: who)
            } else {
                edit(by: who)
            }
        }
    }

    /// Everything any analyst has written.
    public var allChanges: [Change] { analysts.flatMap(\.written) }

    /// Shuffles `items` with this simulator's generator.
    public mutating func shuffled<T>(_ items: [T]) -> [T] {
        var copy = items
        copy.shuffle(using: &random)
        return copy
    }

    public mutating func nextRandom() -> UInt64 { random.next() }
}
