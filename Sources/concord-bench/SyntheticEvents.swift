import ConcordCore

/// Writes whole new events as one analyst would with `concord event add`: cheap, valid changes for the stores of
/// the `cli` and `load` scenarios.
struct SyntheticEvents {
    let author: AnalystName
    let replica: ReplicaID
    private var ids: UUIDv7Generator
    private var clock = HybridClock()
    private var count = 0
    static let document = try! EntityID("document/3f9a1c0d5e7b2a46")
    static let types = ["COOPERATE", "MOBILIZE", "CONSULT", "AGREE", "AID"]

    init(author: AnalystName, seed: UInt64) {
        self.author = author
        var replicaIDs = UUIDv7Generator(random: SeededRandom(seed: seed))
        replica = try! ReplicaID(replicaIDs.next().rawValue)
        ids = UUIDv7Generator(random: SeededRandom(seed: seed &+ 1))
    }

    /// The changes of one new event: doc, title, type, country, and a tag (only doc and title when not `full`).
    mutating func event(full: Bool = true) -> [Change] {
        count += 1
        let entity = EntityID.event(ids.next())
        func change(_ field: String, _ op: ChangeOp, _ value: String) -> Change {
            let hlc = clock.tick(wall: WallClock.millis())
            return Change(
                id: ids.next(), entity: entity, field: field, op: op, value: .string(value), hlc: hlc, author: author,
                replica: replica)
        }
        let required = [
            change("doc", .set, Self.document.rawValue),
            change("title", .set, "Synthetic event \(count) of \(author)"),
        ]
        guard full else { return required }
        return required + [
            change("type", .set, Self.types[count % Self.types.count]),
            change("country", .set, "KOR"),
            change("tags", .add, "bench"),
        ]
    }
}
