/// Random team histories for the report's equality tests (Core, client store, server store): the simulator's edits
/// with partial delivery, plus the shared document's title written concurrently by two analysts (resolved by the
/// adjudicator on odd seeds), so documents, their titles and document conflicts are covered too.
public enum ReportHistory {
    /// The changes of one seeded history, in the order they were written.
    public static func changes(seed: UInt64, analysts count: Int = 4, steps: Int = 300) -> [Change] {
        var simulator = HistorySimulator(seed: seed, analysts: count)
        for step in 0..<steps {
            let writer = Int(simulator.nextRandom() % UInt64(count))
            let written = simulator.edit(by: writer)
            if step % 3 == 0 {
                simulator.deliver(simulator.allChanges, to: Int(simulator.nextRandom() % UInt64(count)))
            } else {
                simulator.deliver(written, to: (writer + 1) % count)
            }
        }
        // Copies of the analysts write after the simulation ends, so their ids and clocks stay unique.
        var first = simulator.analysts[0]
        var second = simulator.analysts[1]
        var judge = simulator.analysts[count - 1]
        let wall = simulator.wall + 1_000
        let a = first.write(simulator.document, "title", .set, .string("Drill report"), wall: wall)
        let b = second.write(simulator.document, "title", .set, .string("Air drill report"), wall: wall + 5)
        var changes = simulator.allChanges + [a, b]
        if seed % 2 == 1 {
            changes.append(
                judge.write(
                    simulator.document, "title", .set, .string("Drill report"), supersedes: [a.id, b.id],
                    reason: "adjudicated", wall: wall + 10))
        }
        return changes
    }
}
