import ConcordCore
import ConcordServer
import Foundation
import Testing

/// The server's report (`GET /v1/report`, `concord-server report`) reads its inputs from the store's merged view
/// and a light pass over the log; it must give the very report the in-memory build gives over the same changes.
@Suite("Server report")
struct ServerReportTests {
    static let generatedAt = Date(timeIntervalSince1970: 1_752_300_000)

    @Test(
        "on random histories pushed in random batches the server's report is byte-identical to the in-memory one",
        arguments: StoreKind.allCases)
    func matchesInMemoryBuild(kind: StoreKind) async throws {
        for seed in UInt64(1)...8 {
            let changes = ReportHistory.changes(
                seed: seed, analysts: 3 + Int(seed % 3), steps: 200 + Int(seed % 5) * 60)
            var random = SeededRandom(seed: seed &* 131)
            // Each author pushes in log order, as a client does (the server judges a change against what its
            // author had written before it, protocol.md §11), with retried batches; authors interleave at random
            // wherever the changes they list have arrived before them.
            var queues: [[[Change]]] = []
            for author in Set(changes.map(\.author)).sorted() {
                var mine = changes.filter { $0.author == author }
                mine += mine.prefix(3)
                var queue: [[Change]] = []
                var start = 0
                while start < mine.count {
                    let size = 1 + Int(random.next() % 40)
                    queue.append(Array(mine[start..<min(mine.count, start + size)]))
                    start += size
                }
                queues.append(queue)
            }
            // A change reaches the server after the changes it lists, as from clients that learn them from it.
            let batches = ArrivalOrder.interleave(queues, using: &random)
            try await kind.with { store in
                guard try await pushAll(batches, to: store, seed: seed) else { return }
                let expected = ConflictReport.build(from: changes, generatedAt: Self.generatedAt)
                let report = try await ServerReport.build(from: store, generatedAt: Self.generatedAt)
                #expect(report.json() == expected.json(), "seed \(seed)")
            }
        }
    }

    @Test("an empty server's report is the empty report", arguments: StoreKind.allCases)
    func emptyStore(kind: StoreKind) async throws {
        try await kind.with { store in
            let report = try await ServerReport.build(from: store, generatedAt: nil)
            #expect(report == ConflictReport.build(from: [Change]()))
        }
    }
}
