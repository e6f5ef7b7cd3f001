import ConcordTestSupport
import Foundation
import Testing

/// The built `concord` and `concord-server` binaries, driven as a user drives them.
@Suite("CLI end to end", .serialized)
struct CLIEndToEndTests {
    @Test("concord demo tells the whole story: conflicts, identical replicas, a resolution, a report")
    func demo() async throws {
        let keep = FileManager.default.temporaryDirectory.appendingPathComponent(
            "concord-demo-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: keep) }
        let result = try await run(Binaries.client, ["demo", "--keep", keep.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("identical on all three replicas: yes"))
        #expect(result.stdout.contains("MOBILIZE"))
        #expect(result.stdout.contains("refused: only an adjudicator may resolve"))
        #expect(result.stdout.contains("## Resolved conflicts (1)"))
        #expect(result.stdout.contains("## Open conflicts (1)"))
        // The coding story: match finds the three shared happenings, sync tells Bob, α is measured.
        #expect(result.stdout.components(separatedBy: "alice: concord link ").count == 4)
        #expect(result.stdout.contains("alice linked 3 pairs of events"))
        #expect(result.stdout.contains("your vote stands beside the others'"))
        #expect(
            result.stdout.contains("3 changes, one per linked event")
                || result.stdout.contains("2 changes, one per linked event"))
        #expect(result.stdout.contains("## Inter-coder agreement (Krippendorff's α)"))
        #expect(result.stdout.contains("| type | nominal |"))
        let html = try String(contentsOf: keep.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<html") && html.contains("COOPERATE"))
    }

    @Test("analysts sync through concord-server serve, and a stopped server means exit 3 with nothing lost")
    func syncThroughServerBinary() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-cli-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("server.sqlite").path
        let add = try await run(Binaries.server, ["analyst", "add", "alice", "--db", db])
        #expect(add.status == 0, "\(add.stderr)")
        let token = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count >= 43, "a token of at least 256 bits")
        let addBob = try await run(Binaries.server, ["analyst", "add", "bob", "--db", db])
        let bobToken = addBob.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // The server chooses its port (`--port 0`) and says which.
        let server = ServerProcess(dbPath: db)
        try await server.start()
        defer { server.stopBlocking(signal: SIGKILL) }
        let url = server.url

        let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../seeds")
            .standardized.path
        let alice = dir.appendingPathComponent("alice.sqlite").path
        let bob = dir.appendingPathComponent("bob.sqlite").path
        func concord(_ store: String, _ arguments: [String]) async throws -> ProcessResult {
            try await run(Binaries.client, arguments + ["--store", store])
        }
        #expect(
            try await concord(alice, ["init", "--analyst", "alice", "--server", url, "--token", token]).status == 0)
        #expect(try await concord(bob, ["init", "--analyst", "bob", "--server", url, "--token", bobToken]).status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: seeds).filter { $0.hasSuffix(".txt") }.map {
            seeds + "/" + $0
        }
        #expect(try await concord(alice, ["import"] + files).status == 0)
        let docs = try await concord(alice, ["docs", "--json"])
        let doc = try #require(
            (try JSONSerialization.jsonObject(with: Data(docs.stdout.utf8)) as? [[String: Any]])?.first?["id"]
                as? String)
        let added = try await concord(
            alice, ["event", "add", "--doc", doc, "--title", "B-52 drill", "--type", "COOPERATE"])
        #expect(added.status == 0, "\(added.stderr)")
        let event = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let sync = try await concord(alice, ["sync"])
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.stderr.contains("sync: pushed"))
        #expect(try await concord(bob, ["sync"]).status == 0)
        let aliceShow = try await concord(alice, ["show", event, "--json"])
        let bobShow = try await concord(bob, ["show", event, "--json"])
        #expect(aliceShow.status == 0 && aliceShow.stdout == bobShow.stdout, "bob sees alice's event byte for byte")

        // The server stops: a sync is a network error (exit 3), and the edit waits safely.
        let stopped = await server.stop(signal: SIGTERM)
        #expect(stopped.status == 0 && stopped.reason == .exit, "SIGTERM shuts the server down cleanly")
        #expect(try await concord(bob, ["event", "set", event, "type", "MOBILIZE"]).status == 0)
        let offline = try await concord(bob, ["sync"])
        #expect(offline.status == 3)
        #expect(offline.stderr.contains("run `concord sync` again"))
        let status = try await concord(bob, ["status", "--json"])
        let pending =
            (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["pending"] as? Int
        #expect(pending == 1, "the offline edit is still pending")
    }
}
