import ConcordCore

/// A team that codes articles independently, for the `agreement` scenario: four analysts, each happening of each
/// document coded by two of them as their own events (with type, date, country, confidence and actors), half of
/// those pairs linked as one happening, and one event in ten also voted on by its partner with a different type.
struct CodingTeam {
    let analysts: [AnalystName]
    private var writers: [SyntheticWriter]
    private var random: SeededRandom
    private static let types = ["COOPERATE", "MOBILIZE", "CONSULT", "AGREE", "AID", "ACCUSE"]
    private static let actors = ["United States", "Japan", "South Korea", "North Korea", "China", "Russia"]
    private static let words = [
        "joint", "air", "drill", "bomber", "talks", "meeting", "defence", "chiefs", "missile", "launch", "summit",
        "trilateral", "naval", "exercise", "visit", "sanctions", "statement", "deployment",
    ]

    init(seed: UInt64) {
        analysts = (0..<4).map { try! AnalystName("coder-\($0)") }
        writers = analysts.enumerated().map { SyntheticWriter(author: $1, seed: seed &+ UInt64($0) &* 977) }
        random = SeededRandom(seed: seed)
    }

    /// A document id (16 hex digits) from a random number; the store need not hold the document to code it.
    private static func document(_ n: UInt64) -> EntityID {
        let hex = String(n, radix: 16)
        return try! EntityID("document/" + String(repeating: "0", count: 16 - hex.count) + hex)
    }

    private mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }

    /// The changes of `events` events (two per happening), 20 events per document.
    mutating func changes(events: Int) -> [Change] {
        var out: [Change] = []
        out.reserveCapacity(events * 9)
        var document = Self.document(random.next())
        for happening in 0..<(events / 2) {
            if happening % 10 == 0 { document = Self.document(random.next()) }
            let first = Int(random.next() % 4)
            let second = (first + 1 + Int(random.next() % 3)) % 4
            let type = pick(Self.types)
            let day = 1 + Int(random.next() % 28)
            let date = "2025-07-" + (day < 10 ? "0" : "") + String(day)
            let title = (0..<4).map { _ in pick(Self.words) }.joined(separator: " ")
            let actors = Array(Set((0..<2).map { _ in pick(Self.actors) })).sorted()
            var ids: [EntityID] = []
            for (n, coder) in [first, second].enumerated() {
                // The second coder agrees most of the time, as trained coders do.
                let theirType = n == 1 && random.next() % 5 == 0 ? pick(Self.types) : type
                let theirDate = n == 1 && random.next() % 4 == 0 ? "2025-07" : date
                let event = writers[coder].event(
                    document: document, title: title,
                    values: [
                        "type": theirType, "date": theirDate, "country": "KOR",
                        "confidence": pick(["low", "medium", "high"]),
                    ], actors: n == 1 && random.next() % 3 == 0 ? [pick(Self.actors)] : actors)
                ids.append(event.first!.entity)
                out += event
            }
            if happening % 2 == 0 {
                out.append(writers[first].write(ids[0], Schema.sameAsField, .add, .string(ids[1].rawValue)))
            }
            if happening % 10 == 5 {
                out.append(writers[second].write(ids[0], "type", .set, .string(pick(Self.types))))
            }
        }
        return out
    }
}

/// One analyst's replica writing changes with its own clock and ids.
struct SyntheticWriter {
    let author: AnalystName
    let replica: ReplicaID
    private var ids: UUIDv7Generator
    private var clock = HybridClock()
    private var wall: Int64 = 1_752_224_400_000

    init(author: AnalystName, seed: UInt64) {
        self.author = author
        var replicaIDs = UUIDv7Generator(random: SeededRandom(seed: seed))
        replica = try! ReplicaID(replicaIDs.next().rawValue)
        ids = UUIDv7Generator(random: SeededRandom(seed: seed &+ 1))
    }

    mutating func write(_ entity: EntityID, _ field: String, _ op: ChangeOp, _ value: FieldValue) -> Change {
        wall += 1
        return Change(
            id: ids.next(), entity: entity, field: field, op: op, value: value, hlc: clock.tick(wall: wall),
            author: author, replica: replica)
    }

    mutating func event(document: EntityID, title: String, values: [String: String], actors: [String]) -> [Change] {
        let entity = EntityID.event(ids.next())
        var out = [
            write(entity, "doc", .set, .string(document.rawValue)), write(entity, "title", .set, .string(title)),
        ]
        for (field, value) in values.sorted(by: { $0.key < $1.key }) {
            out.append(write(entity, field, .set, .string(value)))
        }
        for actor in actors { out.append(write(entity, "actors", .add, .string(actor))) }
        return out
    }
}
