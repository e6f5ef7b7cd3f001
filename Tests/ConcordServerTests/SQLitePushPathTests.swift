import ConcordCore
import ConcordTestSupport
import Foundation
import GRDB
import Testing

@testable import ConcordServer

/// The SQLite store's push reads back only what a batch needs, with stored ids wrapped unparsed and clocks parsed
/// from column bytes; these tests hold it to the in-memory twin, which keeps everything in memory.
@Suite("SQLite push path")
struct SQLitePushPathTests {
    @Test("the SQLite store answers every push as the memory store does, for random histories")
    func answersMatchMemoryStore() async throws {
        for seed in UInt64(11)...13 {
            var simulator = HistorySimulator(seed: seed, analysts: 4)
            for _ in 0..<400 {
                let index = Int(simulator.nextRandom() % 4)
                _ = simulator.edit(by: index)
                if simulator.nextRandom() % 3 == 0 {
                    let from = Int(simulator.nextRandom() % 4)
                    simulator.deliver(simulator.analysts[from].written, to: index)
                }
            }
            // Batches per author of 1 to 300 changes, some pushed again, some with a change from the future
            // (refused: the whole batch stores nothing) or a change by someone else (forbidden).
            var batches: [(SimulatedAnalyst, [Change])] = []
            for analyst in simulator.analysts {
                var mine = simulator.shuffled(analyst.written)
                mine += mine.prefix(20)
                var start = 0
                while start < mine.count {
                    let size = 1 + Int(simulator.nextRandom() % 300)
                    let batch = Array(mine[start..<min(mine.count, start + size)])
                    start += size
                    switch simulator.nextRandom() % 10 {
                    case 0:
                        var late = batch[batch.count / 2]
                        late.hlc = HLC(millis: serverNow + 3_600_000, counter: 0)
                        batches.append((analyst, batch + [late]))
                    case 1:
                        let other = simulator.analysts[
                            (simulator.analysts.firstIndex { $0.name == analyst.name }! + 1) % 4]
                        if let theirs = other.written.first { batches.append((analyst, [theirs] + batch)) }
                    default: break
                    }
                    batches.append((analyst, batch))
                }
            }
            try await StoreKind.sqlite.with { sqlite in
                try await StoreKind.memory.with { memory in
                    for (analyst, batch) in simulator.shuffled(batches) {
                        let by = AnalystRecord(name: analyst.name, role: analyst.role, tokenHash: [], created: 0)
                        let expected = try await memory.push(batch, replica: batch[0].replica, by: by, now: serverNow)
                        let actual = try await sqlite.push(batch, replica: batch[0].replica, by: by, now: serverNow)
                        #expect(actual == expected, "seed \(seed)")
                    }
                    func byID(_ snapshots: [EntitySnapshot]) -> [EntitySnapshot] { snapshots.sorted { $0.id < $1.id } }
                    #expect(
                        byID(try await sqlite.allSnapshots()) == byID(try await memory.allSnapshots()), "seed \(seed)")
                    #expect(
                        byID(try await sqlite.conflictedSnapshots()) == byID(try await memory.conflictedSnapshots()),
                        "seed \(seed)")
                }
            }
        }
    }

    @Test("a database written with v1's kind spelling (register/set/list) is migrated and reads the same")
    func versionKindMigration() async throws {
        var simulator = HistorySimulator(seed: 5, analysts: 3)
        for _ in 0..<200 { _ = simulator.edit(by: Int(simulator.nextRandom() % 3)) }
        let store = try await StoreKind.sqlite.open() as! SQLiteServerStore
        for analyst in simulator.analysts {
            let by = record(analyst.name.rawValue, analyst.role)
            let result = try await store.push(analyst.written, replica: analyst.replicaID, by: by, now: serverNow)
            guard case .stored = result else { throw TestFailure("push refused: \(result)") }
        }
        let expected = try await store.allSnapshots()
        let kinds = try await store.pool.write { db in
            // Back to v1: its spelling, and the migration not yet applied.
            try db.execute(
                sql: """
                    UPDATE live SET kind = CASE kind WHEN 'r' THEN 'register' WHEN 's' THEN 'set' ELSE 'list' END;
                    DELETE FROM grdb_migrations WHERE identifier = 'v2-version-kind';
                    """)
            return try String.fetchSet(db, sql: "SELECT DISTINCT kind FROM live")
        }
        #expect(kinds == ["register", "set", "list"])
        let path = store.path
        try await store.close()
        let reopened = try SQLiteServerStore(path: path)
        #expect(try await reopened.allSnapshots() == expected)
        #expect(
            try await reopened.pool.read { try String.fetchSet($0, sql: "SELECT DISTINCT kind FROM live") }
                == ["r", "s", "n"])
        try await reopened.close()
    }

    @Test("clocks are written digit by digit as the reference format, and read back as they were")
    func clocksAreStoredAsDescription() throws {
        var random = SeededRandom(seed: 7)
        var clocks = [HLC.zero, HLC(millis: 1, counter: 9999), HLC(millis: 999_999_999_999_999, counter: 10)]
        for _ in 0..<1_000 {
            clocks.append(
                HLC(millis: Int64(random.next() % 2_000_000_000_000), counter: Int(random.next() % 10_000)))
        }
        for clock in clocks {
            // The format HLC.description had before it was written digit by digit.
            let counter = String(clock.counter)
            let reference = "\(clock.millis):" + String(repeating: "0", count: 4 - counter.count) + counter
            #expect(clock.description == reference)
            #expect(HLC(stored: clock.description) == clock)
            #expect(try HLC(clock.description) == clock)
        }
    }

    @Test("clocks read as bytes parse as HLC(_:) parses them, and malformed ones fail with its error")
    func storedClocksParseLikeHLC() throws {
        let inputs = [
            "1752224400000:0003", "0:0000", "1:9999", "999999999999999:0000", "1752224400000:003",
            "1752224400000:00003", "1752224400000", ":0001", "1752224400000:000a", "17522244a0000:0001",
            "1752224400000;0001", "1752224400000:0001:", "", "9999999999999999:0001", "-1:0001", "+1:0001",
            "1752224400000: 001",
        ]
        for input in inputs {
            let parsed = Array(input.utf8).withUnsafeBufferPointer { bytes in
                Result { try HLC(utf8: bytes) }
            }
            switch (parsed, Result { try HLC(input) }) {
            case (.success(let fast), .success(let reference)):
                #expect(fast == reference, "\(input)")
            case (.failure(let fast), .failure(let reference)):
                #expect("\(fast)" == "\(reference)", "\(input)")
            default:
                Issue.record("\(input): \(parsed) differs from HLC(_:)")
            }
        }
    }
}
