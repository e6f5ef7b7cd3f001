import ConcordCore
import ConcordServer
import Foundation
import Testing

/// protocol.md §16: whether the server accepts a change never depends on the order concurrent pushes reach it in, nor
/// on how a client splits its pushes. Random team histories, with hostile changes mixed in (an analyst replacing
/// another's vote or an adjudicator's status, a resolution without a reason, a change naming a change the server
/// never receives), are pushed in random arrival orders and batch splits; every change's verdict, and the server's
/// state, must be the same every time.
@Suite("Vote rules in any arrival order")
struct ArrivalOrderTests {
    /// How each change fared: accepted (new or duplicate) or refused, and why.
    typealias Verdicts = [ChangeID: String]

    @Test(
        "every accept and refuse is the same in every arrival order and batch split",
        arguments: [1, 2, 3, 4] as [UInt64])
    func sameVerdicts(seed: UInt64) async throws {
        var simulator = HistorySimulator(seed: seed, analysts: 4)
        simulator.work(steps: 220)
        var random = SeededRandom(seed: seed &* 7_919)
        var written = simulator.analysts.map(\.written)
        var roles = Dictionary(uniqueKeysWithValues: simulator.analysts.map { ($0.name, $0.role) })
        roles[try AnalystName("mallory")] = .analyst
        let (mallory, adjudicator) = try Self.hostileChanges(simulator: simulator, random: &random)
        // One queue per author, as each pushes with their own token.
        written.append(mallory)
        written.append(adjudicator)
        let hostile = mallory + adjudicator
        #expect(hostile.count >= 9)

        var outcomes: [Verdicts] = []
        var states: [[EntitySnapshot]] = []
        for _ in 0..<5 {
            // Each author's changes in their own order, cut into random batches, some re-sent (a retry).
            var queues: [[[Change]]] = []
            for mine in written where !mine.isEmpty {
                var batches: [[Change]] = []
                var start = 0
                while start < mine.count {
                    let size = 1 + Int(random.next() % 30)
                    batches.append(Array(mine[start..<min(mine.count, start + size)]))
                    start += size
                }
                if random.next() % 2 == 0, let again = batches.first { batches.append(again) }
                queues.append(batches)
            }
            let store = MemoryServerStore()
            var verdicts: Verdicts = [:]
            for batch in ArrivalOrder.interleave(queues, using: &random) {
                try await Self.push(batch, to: store, roles: roles, verdicts: &verdicts)
            }
            outcomes.append(verdicts)
            var snapshots: [EntitySnapshot] = []
            for entity in Set(written.joined().map(\.entity)).sorted(by: { $0.rawValue < $1.rawValue }) {
                if let snapshot = await store.snapshot(of: entity) { snapshots.append(snapshot) }
            }
            states.append(snapshots)
        }
        let refused = outcomes[0].values.filter { $0 != "accepted" }.count
        #expect(refused >= hostile.count / 2, "the hostile changes are refused: \(refused)")
        for (index, verdicts) in outcomes.enumerated().dropFirst() {
            let differing = verdicts.keys.filter { verdicts[$0] != outcomes[0][$0] }
            let examples = differing.prefix(3).map { "\($0): \(outcomes[0][$0] ?? "-") vs \(verdicts[$0] ?? "-")" }
            #expect(differing.isEmpty, "order \(index): \(differing.count) changes judged otherwise, e.g. \(examples)")
            #expect(states[index] == states[0], "order \(index): another final state")
        }
    }

    /// Pushes as the sync engine does: a refused batch's named changes are set aside and the rest pushed again.
    static func push(
        _ batch: [Change], to store: MemoryServerStore, roles: [AnalystName: Role], verdicts: inout Verdicts
    ) async throws {
        var pending = batch
        while !pending.isEmpty {
            let author = pending[0].author
            let analyst = AnalystRecord(name: author, role: roles[author]!, tokenHash: [], created: 0)
            switch try await store.push(pending, replica: pending[0].replica, by: analyst, now: serverNow) {
            case .stored:
                for change in pending where verdicts[change.id] == nil { verdicts[change.id] = "accepted" }
                return
            case .refused(let refusal):
                let named = Set(refusal.refused.map(\.index))
                for index in named {
                    let error = refusal.refused.first { $0.index == index }!.error
                    // The verdict's kind, not its words: which rule refused it.
                    verdicts[pending[index].id] = String(error.prefix(40))
                }
                pending = pending.enumerated().filter { !named.contains($0.offset) }.map(\.element)
            }
        }
    }

    /// Changes no honest client writes, each aimed at a change of the history: mallory (an analyst) replaces
    /// another's vote and an adjudicator's status; the adjudicator resolves a vote without a reason; mallory names a
    /// change no one ever pushes.
    static func hostileChanges(simulator: HistorySimulator, random: inout SeededRandom) throws
        -> (mallory: [Change], adjudicator: [Change])
    {
        let mallory = try AnalystName("mallory")
        let replica = try ReplicaID("0197f0a1-0000-7000-8000-00000000beef")
        let adjudicator = simulator.analysts.last!
        var ids = UUIDv7Generator(now: { 1_752_224_400_000 }, random: SeededRandom(seed: 99))
        let all = simulator.allChanges
        let votes = all.filter { Schema.isCoded($0.field, of: .event) && ($0.op == .set || $0.op == .add) }
        var hostile: [Change] = []
        var decided: [Change] = []
        let latest = all.map(\.hlc).max()!
        var clock = HybridClock(last: latest)
        for vote in votes.shuffled(using: &random).prefix(6) {
            hostile.append(
                Change(
                    id: ids.next(), entity: vote.entity, field: vote.field, op: vote.op == .add ? .remove : .set,
                    value: vote.op == .add ? vote.value : .string(vote.field == "date" ? "2024" : "low"),
                    supersedes: [vote.id], hlc: clock.tick(wall: 0), author: mallory, replica: replica))
        }
        if let target = votes.first(where: { $0.author != adjudicator.name && $0.op == .set }) {
            decided.append(
                Change(
                    id: ids.next(), entity: target.entity, field: target.field, op: .set, value: target.value,
                    supersedes: [target.id], hlc: clock.tick(wall: 0), author: adjudicator.name,
                    replica: adjudicator.replicaID, reason: " "))
        }
        if let event = all.first(where: { $0.entity.kind == .event }) {
            let rejected = Change(
                id: ids.next(), entity: event.entity, field: "status", op: .set, value: .string("rejected"),
                supersedes: [],
                hlc: clock.tick(wall: 0), author: adjudicator.name, replica: adjudicator.replicaID)
            decided.append(rejected)
            hostile.append(
                Change(
                    id: ids.next(), entity: event.entity, field: "status", op: .set, value: .string("draft"),
                    supersedes: [rejected.id], hlc: clock.tick(wall: 0), author: mallory, replica: replica))
            hostile.append(
                Change(
                    id: ids.next(), entity: event.entity, field: "actors", op: .remove, value: .string("Japan"),
                    supersedes: [ids.next()], hlc: clock.tick(wall: 0), author: mallory, replica: replica))
        }
        return (hostile, decided)
    }
}
