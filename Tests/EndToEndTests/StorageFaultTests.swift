import ConcordStore
import ConcordSync
import ConcordCore
import ConcordTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Disks that fill up under the server and under a client: a clear error, nothing half-written, and recovery once
/// there is space again. The full disk is a per-process file size limit (`ulimit -f`), which needs no privileges.
@Suite("Storage faults", .serialized)
struct StorageFaultTests {
    /// Writes `count` events for `documents` as a JSONL file and returns its path.
    static func eventsFile(_ rig: CrashTests.Rig, count: Int, documents: [String], name: String) throws -> String {
        let rows = (0..<count).map {
            "{\"doc\":\"\(documents[$0 % documents.count])\",\"title\":\"\(name) \($0) "
                + String(repeating: "padding ", count: 20) + "\",\"tags\":[\"t\($0 % 9)\",\"u\($0 % 7)\"]}"
        }
        let path = rig.path("\(name).jsonl")
        try rows.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the server's disk fills up: pushes are refused with 507/503 and nothing half-stored; with space, all lands")
    func serverDiskFull() async throws {
        let rig = try CrashTests.Rig()
        let ana = try rig.analyst("ana")
        try rig.analyst("ben")
        // Start once without a limit so the schema exists, then with a disk that is almost full.
        try await rig.server.start()
        await rig.server.stop(signal: SIGTERM)
        let initial = try FileManager.default.attributesOfItem(atPath: rig.server.dbPath)[.size] as? Int ?? 0
        try await rig.server.start(fileSizeLimitKB: initial / 1024 + 384)
        _ = try ana.importArticles(Array(Cluster.seeds.prefix(3)))
        let documents = try ana.documents().map(\.id.rawValue)
        _ = try ana.importEvents(from: try Self.eventsFile(rig, count: 1_500, documents: documents, name: "big"))
        let total = try ana.pendingCount()

        var options = SyncEngine.Options()
        options.pushBatch = 100
        options.attempts = 2
        options.backoff = .milliseconds(10)
        let engine = SyncEngine(
            store: ana, transport: HTTPTransport(server: rig.server.url, token: rig.tokens["ana"]!), options: options)
        do {
            _ = try await engine.run()
            Issue.record("a sync of \(total) changes fit in a disk with 384 KiB free")
        } catch let error as SyncError {
            #expect(error.isTransient, "a full disk is worth retrying later: \(error)")
            #expect(
                error.description.contains("disk is full") || error.description.contains("cannot write its database"),
                "the error says why: \(error)")
        }
        let stored = try await CrashTests.serverCount(rig)
        let pending = try ana.pendingCount()
        #expect(stored > 0 && stored < total, "some batches fit before the disk filled: \(stored) of \(total)")
        #expect(stored + pending == total, "what the server stored is exactly what the client no longer has pending")
        // Still serving reads while full.
        #expect(httpGet(port: rig.server.port, path: "/v1/health")?.status == 200, "the full server still answers")

        // Space is back: restart without the limit, and the same sync finishes the job.
        await rig.server.stop(signal: SIGKILL)
        try await rig.server.start()
        #expect(try await CrashTests.serverCount(rig) == stored, "a restart keeps exactly what was acknowledged")
        _ = try await rig.engine("ana", batch: 500, page: 1_000).run()
        _ = try await rig.engine("ben", batch: 500, page: 1_000).run()
        try await rig.expectConvergedExactlyOnce()
        await rig.server.stop(signal: SIGTERM)
    }

    @Test("a client's disk fills up during `event import` and `sync`: exit 1 naming the store, nothing half-written")
    func clientDiskFull() async throws {
        let rig = try CrashTests.Rig()
        let ana = try rig.analyst("ana")
        let ben = try rig.analyst("ben")
        try await rig.server.start()
        _ = try ana.importArticles(Array(Cluster.seeds.prefix(3)))
        let documents = try ana.documents().map(\.id.rawValue)
        let file = try Self.eventsFile(rig, count: 2_000, documents: documents, name: "import")
        let anaPath = rig.path("ana.sqlite")
        let size = try FileManager.default.attributesOfItem(atPath: anaPath)[.size] as? Int ?? 0
        let limited = { (arguments: [String]) throws -> ProcessResult in
            try runBlocking(
                "/bin/bash",
                ["-c", "trap '' XFSZ; ulimit -f \(size / 1024 + 256); exec \"$0\" \"$@\"", Binaries.client]
                    + arguments)
        }
        let before = try ana.allChanges().count
        let full = try limited(["event", "import", file, "--store", anaPath])
        #expect(full.status == 1, "a full disk is exit 1: \(full.stderr)")
        #expect(full.stderr.contains("cannot write the store \(anaPath)"), "the error names the store: \(full.stderr)")
        #expect(full.stderr.contains("nothing was changed"), "\(full.stderr)")
        #expect(try ana.allChanges().count == before, "the import wrote nothing")
        #expect(try ana.events().isEmpty)

        let imported = try await run(Binaries.client, ["event", "import", file, "--store", anaPath])
        #expect(imported.status == 0, "with space, the same import works: \(imported.stderr)")
        #expect(try ana.events().count == 2_000)
        let pushed = try await run(Binaries.client, ["sync", "--store", anaPath])
        #expect(pushed.status == 0, "\(pushed.stderr)")

        // Ben's disk fills up while he pulls: the pages that fit stay, the rest comes on the next sync.
        let benPath = rig.path("ben.sqlite")
        let benSize = try FileManager.default.attributesOfItem(atPath: benPath)[.size] as? Int ?? 0
        let pull = try await run(
            "/bin/bash",
            [
                "-c", "trap '' XFSZ; ulimit -f \(benSize / 1024 + 512); exec \"$0\" \"$@\"", Binaries.client, "sync",
                "--store", benPath,
            ])
        #expect(pull.status == 1, "a full disk during pull is exit 1: \(pull.stderr)")
        #expect(pull.stderr.contains("cannot write the store \(benPath)"), "\(pull.stderr)")
        let partial = try ben.allChanges().count
        let cursor = try ben.metadata().pullCursor
        #expect(partial < (try ana.allChanges().count), "the pull stopped before the end")
        #expect(Int64(partial) <= cursor, "the cursor never runs ahead of what was applied")
        let again = try await run(Binaries.client, ["sync", "--store", benPath])
        #expect(again.status == 0, "with space, the next sync finishes: \(again.stderr)")
        try await rig.expectConvergedExactlyOnce()
        await rig.server.stop(signal: SIGTERM)
    }

    @Test("a client's disk fills up while its first sync builds the store from a snapshot: exit 1, nothing left")
    func bootstrapDiskFull() async throws {
        let rig = try CrashTests.Rig()
        let ana = try rig.analyst("ana")
        // A snapshot each time the log grows by one change.
        try await rig.server.start(arguments: ["--snapshot-every", "1"])
        _ = try ana.importArticles(Array(Cluster.seeds.prefix(3)))
        let documents = try ana.documents().map(\.id.rawValue)
        let file = try Self.eventsFile(rig, count: 3_000, documents: documents, name: "import")
        _ = try ana.importEvents(from: file)
        // Pushes of 5,000, so the log's last growth is more than a tenth and gets a snapshot of its own.
        _ = try await rig.engine("ana", batch: 5_000, page: 5_000).run()
        let manifest = try await CrashTests.waitForSnapshot(rig, seq: Int64(try await rig.serverLog().count))
        let carl = try rig.analyst("carl")
        try carl.close()
        rig.stores["carl"] = nil
        let carlPath = rig.path("carl.sqlite")
        // Room for the download, not for the store built from it (several times the pack's size); both inserting
        // threads write files of their own, and either may be the one that meets the limit.
        let limit = Int(manifest.bytes) / 1024 + 64
        let full = try await run(
            "/bin/bash",
            [
                "-c", "trap '' XFSZ; ulimit -f \(limit); exec \"$0\" \"$@\"", Binaries.client, "sync", "--store",
                carlPath,
            ])
        #expect(full.status == 1, "a full disk during the first sync is exit 1: \(full.stderr)")
        #expect(full.stderr.contains("carl.sqlite"), "the error names the store: \(full.stderr)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: rig.directory.path)
            .filter { $0.hasPrefix("carl.sqlite.") && !$0.hasPrefix("carl.sqlite.bootstrap") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        #expect(
            !FileManager.default.fileExists(atPath: carlPath + ".bootstrap-ready")
                && !FileManager.default.fileExists(atPath: carlPath + ".bootstrap-ready-aside"),
            "the half-built store and its aside file are removed")
        let store = try LocalStore.open(at: carlPath)
        #expect(try store.metadata().pullCursor == 0 && store.allChanges().isEmpty, "the store is untouched")
        try store.close()

        let again = try await run(Binaries.client, ["sync", "--store", carlPath])
        #expect(again.status == 0, "with space, the next sync finishes: \(again.stderr)")
        #expect(again.stderr.contains("installed the server's snapshot"), "\(again.stderr)")
        let done = try FileManager.default.contentsOfDirectory(atPath: rig.directory.path)
            .filter { $0.hasPrefix("carl.sqlite.") }
        #expect(done.isEmpty, "\(done)")
        rig.stores["carl"] = try LocalStore.open(at: carlPath)
        try await rig.expectConvergedExactlyOnce()
        await rig.server.stop(signal: SIGTERM)
    }
}
