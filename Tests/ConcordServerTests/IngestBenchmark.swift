import ConcordCore
import ConcordServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A by-hand measurement, not a test: `CONCORD_BENCH=1 swift test -c release --filter IngestBenchmark`.
@Suite("Ingest benchmark", .enabled(if: ProcessInfo.processInfo.environment["CONCORD_BENCH"] == "1"))
struct IngestBenchmark {
    @Test("pushes 200k changes in batches of 5k over loopback, then pulls them")
    func ingest() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-bench-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let server = try await RunningServer.start(
            ConcordServerConfiguration(
                dbPath: dir.appendingPathComponent("server.sqlite").path, port: 0, logger: logger, now: { serverNow }))
        let token = try await server.admin.addAnalyst(try AnalystName("analyst-a"), role: .analyst)
        let factory = ChangeFactory()
        var changes: [Change] = []
        let types = ["COOPERATE", "MOBILIZE", "CONSULT", "AGREE"]
        for i in 0..<40_000 {
            let event = factory.newEvent(title: "Event \(i)")
            let id = event[0].entity
            changes += event
            changes.append(factory.make(id, "type", .string(types[i % 4])))
            changes.append(factory.make(id, "location", .string("Seoul")))
            changes.append(factory.make(id, "tags", .string("drill"), op: .add))
        }
        let bodies = stride(from: 0, to: changes.count, by: 5_000).map {
            pushBody(Array(changes[$0..<min(changes.count, $0 + 5_000)]))
        }
        let port = server.port
        let total = changes.count
        let pushSeconds = try await TestClient.withClient(
            host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(300))
        ) { client in
            let start = ContinuousClock.now
            for body in bodies {
                let response = try await client.post("/v1/changes", headers: auth(token), body: body)
                #expect(response.status == .ok)
            }
            return (ContinuousClock.now - start) / .seconds(1)
        }
        let pullSeconds = try await TestClient.withClient(
            host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(300))
        ) { client in
            let start = ContinuousClock.now
            var after: Int64 = 0
            var pulled = 0
            while true {
                let response = try await client.get("/v1/changes?after=\(after)&limit=10000", headers: auth(token))
                let page = try decode(Wire.PullPage.self, response.body)
                pulled += page.changes.count
                after = page.next
                if !page.more { break }
            }
            #expect(pulled == total)
            return (ContinuousClock.now - start) / .seconds(1)
        }
        print(
            "BENCH push: \(total) changes in \(pushSeconds) s = \(Int(Double(total) / pushSeconds)) changes/s; "
                + "pull (decoding on the client): \(Int(Double(total) / pullSeconds)) changes/s")
        try await server.stop()
    }
}
