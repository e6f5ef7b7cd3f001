import ConcordCore
import ConcordTestSupport
import ConcordServer
import Foundation
import Testing

/// Opens each kind of store on a fresh temp file.
enum StoreKind: String, CaseIterable, Sendable {
    case sqlite, memory, postgres

    func open() async throws -> any ServerStore {
        switch self {
        case .postgres:
            return try await PostgresServerStore(url: try PostgresCluster.shared().createDatabase())
        case .memory:
            return MemoryServerStore()
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-server-\(UUID())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return try SQLiteServerStore(path: dir.appendingPathComponent("server.sqlite").path)
        }
    }
}

extension StoreKind {
    /// Runs `body` on a new store of this kind while its service runs (PostgreSQL's connection pool), then closes it.
    func with<T>(_ body: (any ServerStore) async throws -> T) async throws -> T {
        let store = try await open()
        return try await withRunning(store) { try await body(store) }
    }
}

/// Pushes `batches` in order, each by its author as an adjudicator (who may resolve); false, with the refusal
/// recorded as an issue, when one is refused.
func pushAll(_ batches: [[Change]], to store: any ServerStore, seed: UInt64) async throws -> Bool {
    for batch in batches {
        let result = try await store.push(
            batch, replica: batch[0].replica, by: record(batch[0].author.rawValue, .adjudicator), now: serverNow)
        guard case .stored = result else {
            Issue.record("seed \(seed): batch refused: \(result)")
            return false
        }
    }
    return true
}

func record(_ name: String, _ role: Role = .analyst) -> AnalystRecord {
    AnalystRecord(name: try! AnalystName(name), role: role, tokenHash: [], created: 0)
}

@Suite("Server stores")
struct ServerStoreTests {
    @Test("the merged view equals the reference fold for random histories", arguments: StoreKind.allCases)
    func mergedViewMatchesReplica(kind: StoreKind) async throws {
        for seed in UInt64(1)...4 {
            var simulator = HistorySimulator(seed: seed, analysts: 3)
            for _ in 0..<150 {
                let index = Int(simulator.nextRandom() % 3)
                let written = simulator.edit(by: index)
                if simulator.nextRandom() % 3 == 0 {
                    let from = Int(simulator.nextRandom() % 3)
                    simulator.deliver(simulator.analysts[from].written, to: index)
                }
                _ = written
            }
            let all = simulator.allChanges
            try await kind.with { store in
                // Each author pushes in log order, as a client does (the server judges a change against what its
                // author had written before it, protocol.md §11), with retried batches; authors interleave at random.
                var queues: [[[Change]]] = []
                for analyst in simulator.analysts {
                    var mine = analyst.written
                    mine += mine.prefix(5)
                    var queue: [[Change]] = []
                    var start = 0
                    while start < mine.count {
                        let size = 1 + Int(simulator.nextRandom() % 40)
                        queue.append(Array(mine[start..<min(mine.count, start + size)]))
                        start += size
                    }
                    queues.append(queue)
                }
                // A change reaches the server after the changes it lists, as from clients that learn them from it.
                var random = SeededRandom(seed: seed &* 977)
                let batches = ArrivalOrder.interleave(queues, using: &random)
                guard try await pushAll(batches, to: store, seed: seed) else { return }
                let reference = Replica(folding: all)
                #expect(try await store.changeCount() == Int64(reference.changes.count))
                #expect(Set(try await store.allChanges()) == Set(all))
                for expected in reference.snapshots {
                    let actual = try await store.snapshot(of: expected.id)
                    #expect(actual == expected, "seed \(seed), \(expected.id)")
                }
                let conflicted = try await store.conflictedSnapshots()
                #expect(conflicted == reference.snapshots.filter { $0.conflictCount > 0 }, "seed \(seed)")
            }
        }
    }

    @Test("a refused batch stores nothing, even its valid changes", arguments: StoreKind.allCases)
    func refusedBatchIsAtomic(kind: StoreKind) async throws {
        try await kind.with { store in
            let factory = ChangeFactory()
            let good = factory.newEvent()
            var bad = factory.make(factory.event(), "type", .string("PARTY"))
            bad.field = "type"
            let result = try await store.push(
                good + [bad], replica: factory.replica, by: record("analyst-a"), now: serverNow)
            guard case .refused(let refusal) = result else {
                Issue.record("expected a refusal, got \(result)")
                return
            }
            #expect(refusal.reason == .invalid)
            #expect(refusal.refused.map(\.index) == [2])
            #expect(refusal.refused[0].error.contains("PARTY"))
            #expect(try await store.changeCount() == 0)
            #expect(try await store.snapshot(of: good[0].entity) == nil)
        }
    }

    @Test(
        "each store tells the id at a seq, each event's document (its first doc change) and the coding documents",
        arguments: StoreKind.allCases)
    func blindIndex(kind: StoreKind) async throws {
        try await kind.with { store in
            let factory = ChangeFactory()
            let analyst = record("analyst-a")
            let event = factory.newEvent()
            let moved = factory.make(event[0].entity, "doc", .string("document/00000000000000ff"))
            let document = try EntityID("document/3f9a1c0d5e7b2a46")
            let assign = factory.make(document, "assigned", .string("analyst-a"), op: .add, author: "adjudicator")
            _ = try await store.push(event + [moved], replica: factory.replica, by: analyst, now: serverNow)
            _ = try await store.push(
                [assign], replica: factory.replica, by: record("adjudicator", .adjudicator), now: serverNow)
            for (index, change) in (event + [moved, assign]).enumerated() {
                #expect(try await store.changeID(at: Int64(index + 1)) == change.id.rawValue)
            }
            #expect(try await store.changeID(at: 5) == nil)
            #expect(try await store.changeID(at: 0) == nil)
            let homes = try await store.eventHomes(in: [document])
            #expect(homes == [event[0].entity: EventHome(document: document, seq: 1)], "the first doc change decides")
            #expect(try await store.eventHomes(in: [try EntityID("document/00000000000000ff")]).isEmpty)
            let coding = try await store.codingDocuments()
            #expect(coding.map(\.id) == [document] && coding[0].assigned.map(\.rawValue) == ["analyst-a"])
            #expect(coding[0].isBlind(for: try AnalystName("analyst-b"), role: .analyst))
            #expect(!coding[0].isBlind(for: try AnalystName("adjudicator"), role: .adjudicator))
        }
    }

    @Test(
        "re-pushing a batch reports duplicates; the same id with other content is refused",
        arguments: StoreKind.allCases)
    func duplicates(kind: StoreKind) async throws {
        try await kind.with { store in
            let factory = ChangeFactory()
            let batch = factory.newEvent()
            let analyst = record("analyst-a")
            #expect(
                try await store.push(batch, replica: factory.replica, by: analyst, now: serverNow)
                    == .stored(Wire.PushResponse(accepted: 2, duplicates: 0, cursor: 2)))
            #expect(
                try await store.push(batch + [batch[0]], replica: factory.replica, by: analyst, now: serverNow)
                    == .stored(Wire.PushResponse(accepted: 0, duplicates: 3, cursor: 2)))
            var reused = batch[1]
            reused.value = .string("Another title")
            let result = try await store.push([reused], replica: factory.replica, by: analyst, now: serverNow)
            guard case .refused(let refusal) = result else {
                Issue.record("expected a refusal, got \(result)")
                return
            }
            #expect(refusal.refused[0].error.hasPrefix("id reused with different content"))
            #expect(try await store.changeCount() == 2)
        }
    }

    @Test("changes earlier in a batch count when judging a later change", arguments: StoreKind.allCases)
    func laterChangeSeesEarlierChanges(kind: StoreKind) async throws {
        try await kind.with { store in
            let factory = ChangeFactory()
            let event = factory.newEvent()
            _ = try await store.push(event, replica: factory.replica, by: record("analyst-a"), now: serverNow)
            let id = event[0].entity
            // analyst-b codes the type; analyst-a's batch holds their own type and then a change superseding both:
            // replacing another analyst's vote, which only an adjudicator may do (protocol.md §11). The batch's first
            // change is judged as stored; the second sees it.
            let theirs = factory.make(id, "type", .string("COOPERATE"), author: "analyst-b")
            _ = try await store.push([theirs], replica: factory.replica, by: record("analyst-b"), now: serverNow)
            let mine = factory.make(id, "type", .string("MOBILIZE"))
            let decide = factory.make(id, "type", .string("MOBILIZE"), supersedes: [mine.id, theirs.id])
            let result = try await store.push(
                [mine, decide], replica: factory.replica, by: record("analyst-a"), now: serverNow)
            guard case .refused(let refusal) = result else {
                Issue.record("expected a refusal, got \(result)")
                return
            }
            #expect(refusal.reason == .forbidden)
            #expect(refusal.refused.map(\.index) == [1])
            #expect(try await store.changeCount() == 3)
            // Superseding only their own earlier change of the batch is theirs to do.
            let own = factory.make(id, "type", .string("AID"), supersedes: [mine.id])
            #expect(
                try await store.push([mine, own], replica: factory.replica, by: record("analyst-a"), now: serverNow)
                    == .stored(Wire.PushResponse(accepted: 2, duplicates: 0, cursor: 5)))
        }
    }

    @Test("a remove that lists an add of another element is refused", arguments: StoreKind.allCases)
    func removeOfAnotherElement(kind: StoreKind) async throws {
        try await kind.with { store in
            let factory = ChangeFactory()
            let event = factory.newEvent()
            let id = event[0].entity
            let japan = factory.make(id, "tags", .string("japan"), op: .add)
            _ = try await store.push(event + [japan], replica: factory.replica, by: record("analyst-a"), now: serverNow)
            // "remove korea" that lists the add of "japan": it would take japan away while the history says korea.
            let forged = factory.make(id, "tags", .string("korea"), op: .remove, supersedes: [japan.id])
            let result = try await store.push(
                [forged], replica: factory.replica, by: record("analyst-a"), now: serverNow)
            guard case .refused(let refusal) = result else {
                Issue.record("expected a refusal, got \(result)")
                return
            }
            #expect(refusal.refused.first?.error.contains("may list only adds of the element") == true, "\(refusal)")
            #expect(try await store.snapshot(of: id)?.sets["tags"] == ["japan"])
        }
    }

    @Test(
        "a change that lists an id the server does not hold is refused, whatever else the push holds",
        arguments: StoreKind.allCases)
    func unknownSuperseded(kind: StoreKind) async throws {
        try await kind.with { store in
            let factory = ChangeFactory()
            let event = factory.newEvent()
            _ = try await store.push(event, replica: factory.replica, by: record("analyst-a"), now: serverNow)
            let id = event[0].entity
            // analyst-b's vote, not pushed yet; analyst-a heard of it some other way and "replaces" it. Accepted, it
            // would retire b's vote unseen the moment b pushes it, while b's push said "accepted".
            let bobs = factory.make(id, "actors", .string("Japan"), op: .add, author: "analyst-b")
            let sneaky = factory.make(id, "actors", .string("Japan"), op: .remove, supersedes: [bobs.id])
            let result = try await store.push(
                [sneaky], replica: factory.replica, by: record("analyst-a"), now: serverNow)
            guard case .refused(let refusal) = result else {
                Issue.record("expected a refusal, got \(result)")
                return
            }
            #expect(refusal.reason == .invalid)
            #expect(refusal.refused.first?.error.contains("does not hold") == true, "\(refusal)")
            _ = try await store.push([bobs], replica: factory.replica, by: record("analyst-b"), now: serverNow)
            #expect(try await store.changeCount() == 3)
        }
    }

    @Test("the SQLite file is created with mode 0600 and survives reopening")
    func sqliteFile() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-server-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("server.sqlite").path
        let factory = ChangeFactory()
        let store = try SQLiteServerStore(path: path)
        _ = try await store.push(factory.newEvent(), replica: factory.replica, by: record("analyst-a"), now: serverNow)
        try await store.addAnalyst(
            AnalystRecord(name: try AnalystName("x"), role: .analyst, tokenHash: [1, 2], created: 5))
        try await store.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "closing checkpoints and removes the WAL")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let reopened = try SQLiteServerStore(path: path)
        #expect(try await reopened.changeCount() == 2)
        #expect(try await reopened.analysts().map(\.tokenHash) == [[1, 2]])
        try await reopened.close()
    }
}
