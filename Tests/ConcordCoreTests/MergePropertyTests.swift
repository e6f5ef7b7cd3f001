import ConcordCore
import Foundation
import Testing

/// Seeded property tests: several replicas edit offline, exchange changes in random order with duplicates and
/// retries, and must all converge to the server's fold. A failing history prints its seed; replay it with
/// `CONCORD_SEED=<seed> swift test --filter MergePropertyTests`.
@Suite("Merge properties")
struct MergePropertyTests {
    static var seeds: [UInt64] {
        if let text = ProcessInfo.processInfo.environment["CONCORD_SEED"], let seed = UInt64(text) { return [seed] }
        return (0..<1_000).map { 0xC0_4C_0D + UInt64($0) }
    }

    @Test("1,000 random histories of 3–5 replicas converge to the server's state, whatever the delivery order")
    func replicasConverge() throws {
        var failures: [UInt64] = []
        var totalChanges = 0
        for seed in Self.seeds {
            let ok = runHistory(seed: seed, totalChanges: &totalChanges)
            if !ok { failures.append(seed) }
            if failures.count >= 3 { break }
        }
        #expect(failures.isEmpty, "failing seeds: \(failures) — replay with CONCORD_SEED=<seed>")
        #expect(totalChanges > 20_000, "the histories should exercise many changes, got \(totalChanges)")
    }

    /// Returns false (and records issues) when the history breaks an invariant.
    func runHistory(seed: UInt64, totalChanges: inout Int) -> Bool {
        var sim = HistorySimulator(seed: seed, analysts: 3 + Int(seed % 3))
        var server = Replica()
        var pushed = Array(repeating: 0, count: sim.analysts.count)
        var ok = true
        let steps = 30 + Int(sim.nextRandom() % 40)
        for _ in 0..<steps {
            let who = Int(sim.nextRandom() % UInt64(sim.analysts.count))
            switch sim.nextRandom() % 10 {
            case 0..<6:
                sim.edit(by: who)
            case 6, 7:
                // Push what is new, sometimes re-sending an already pushed tail (a retry after a lost answer).
                let written = sim.analysts[who].written
                let from = sim.nextRandom() % 3 == 0 ? max(0, pushed[who] - 3) : pushed[who]
                for change in written[from...] {
                    // The server refuses a change that replaces what its author may not (another analyst's vote, an
                    // adjudicator's status); the edit rules must never write one.
                    let known = sim.analysts[who].replica.changes
                    let superseded = change.supersedes.compactMap { known[$0] ?? server.changes[$0] }
                        .filter { $0.entity == change.entity && $0.field == change.field }.map(Version.init)
                    do throws(EditError) {
                        try EditPlanner.checkSupersedes(change, superseded: superseded, role: sim.analysts[who].role)
                    } catch {
                        Issue.record(
                            "seed \(seed): analyst \(who)'s \(change.field) change \(change.id) would be refused: \(error)"
                        )
                        ok = false
                    }
                    server.apply(change)
                }
                pushed[who] = written.count
                // Pull everything the server has, shuffled, with duplicates.
                sim.deliver(Array(server.changes.values), to: who)
            case 8:
                // A partial pull: a random subset of the server's changes, as an interrupted sync leaves.
                let all = Array(server.changes.values).sorted { $0.id < $1.id }
                let cut = all.isEmpty ? 0 : Int(sim.nextRandom() % UInt64(all.count + 1))
                sim.deliver(Array(all[..<cut]), to: who)
            default:
                // Direct exchange between two analysts (a file passed by hand), order scrambled.
                let other = Int(sim.nextRandom() % UInt64(sim.analysts.count))
                sim.deliver(sim.analysts[other].written, to: who)
            }
            // Invariant after every step: the replica's state is the fold of its changes in any other order.
            let replica = sim.analysts[who].replica
            let refolded = Replica(folding: sim.shuffled(Array(replica.changes.values)))
            if refolded != replica {
                Issue.record("seed \(seed): replica \(who) differs from the fold of its own changes")
                ok = false
            }
        }
        // Everyone pushes and pulls until quiet.
        for who in sim.analysts.indices { server.apply(sim.analysts[who].written) }
        for who in sim.analysts.indices { sim.deliver(Array(server.changes.values), to: who) }
        let reference = Replica(folding: sim.shuffled(sim.allChanges + sim.allChanges.prefix(10)))
        if server != reference {
            Issue.record("seed \(seed): server differs from the reference fold")
            ok = false
        }
        for (i, analyst) in sim.analysts.enumerated() where analyst.replica.snapshots != server.snapshots {
            Issue.record("seed \(seed): analyst \(i) did not converge to the server")
            ok = false
        }
        totalChanges += server.changes.count
        return ok
    }

    @Test("random histories produce conflicts, agreements, resolutions, deletes and delete/edit conflicts")
    func generatorCoversEveryRule() {
        var conflicts = 0, resolutions = 0, deletes = 0, deleteEdits = 0, removes = 0, agreements = 0
        for seed in 0..<200 as Range<UInt64> {
            var sim = HistorySimulator(seed: seed, analysts: 4)
            for step in 0..<60 {
                let who = step % 4
                sim.edit(by: who)
                if step % 7 == 6 { for other in 0..<4 { sim.deliver(sim.analysts[who].written, to: other) } }
            }
            let replica = Replica(folding: sim.allChanges)
            for snapshot in replica.snapshots {
                conflicts += snapshot.conflictedFields.count
                agreements += snapshot.fields.values.filter(\.agreement).count
                if !snapshot.deleteEditConflict.isEmpty { deleteEdits += 1 }
            }
            resolutions += sim.allChanges.filter { $0.reason == "adjudicated" }.count
            deletes += sim.allChanges.filter { $0.field == "deleted" }.count
            removes += sim.allChanges.filter { $0.op == .remove }.count
        }
        #expect(
            conflicts > 0 && resolutions > 0 && deletes > 0 && deleteEdits > 0 && removes > 0 && agreements > 0,
            "conflicts \(conflicts), agreements \(agreements), resolutions \(resolutions), deletes \(deletes), delete/edit \(deleteEdits), removes \(removes)"
        )
    }
}
