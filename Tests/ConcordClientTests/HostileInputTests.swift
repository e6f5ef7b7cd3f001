import ConcordStore
import ConcordCore
import ConcordTestSupport
import Foundation
import Testing

/// Issue 15, findings 1 and 4, on the client: what a server that did not check may send.
@Suite("Hostile input on the client", .serialized)
struct HostileInputTests {
    static let bob = try! AnalystName("bob")
    static let replica = try! ReplicaID("0190d3a4-5b6c-7d8e-9f00-bbbbbbbbbbbb")

    func pulled(_ entity: EntityID, _ field: String, _ value: String, n: Int, supersedes: [ChangeID] = []) -> Change {
        Change(
            id: try! ChangeID("0197f0a1-\(String(format: "%04x", n))-7000-8000-00000000f00d"), entity: entity,
            field: field, op: .set, value: .string(value), supersedes: supersedes,
            hlc: HLC(millis: 4_000_000_000_000, counter: n), author: Self.bob, replica: Self.replica)
    }

    @Test("a forged document text pulled from a server is never used to check evidence")
    func forgedDocumentText() throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        let documents = try store.importArticles(seedFiles)
        let drill = try #require(documents.first { $0.title.contains("air drill") == true }).id
        let original = try #require(try store.history(of: drill).first { $0.change.field == "text" }).change
        // Beside the true text: the true one is used.
        _ = try store.applyPulled(
            [.init(seq: 1, change: pulled(drill, "text", "Forged: the B-52 bombed Pyongyang.", n: 1))], cursor: 1)
        #expect(try store.documentText(drill) == original.value.string)
        let forgedQuote = EventDraft(values: ["doc": drill.rawValue, "title": "x", "evidence": "bombed Pyongyang"])
        #expect(throws: (any Error).self) { try store.addEvent(forgedQuote) }
        // Superseding it: no text is trusted, so no quote passes.
        _ = try store.applyPulled(
            [
                .init(
                    seq: 2,
                    change: pulled(drill, "text", "Forged again: bombed Pyongyang.", n: 2, supersedes: [original.id]))
            ],
            cursor: 2)
        #expect(try store.documentText(drill) == nil)
        #expect(throws: (any Error).self) { try store.addEvent(forgedQuote) }
    }

    @Test("control characters are refused on input and printed escaped when another analyst's change carries them")
    func terminalEscapes() async throws {
        let dir = TempDir()
        let path = dir.file("store.sqlite")
        let cli = CLI(store: path)
        try await cli.ok(["init", "--analyst", "alice"])
        try await cli.ok(["import"] + seedFiles)
        let docs = try await #require(try cli.json(["docs"]) as? [[String: Any]])
        let doc = try #require(docs.first?["id"] as? String)
        let refused = try await cli.run(["event", "add", "--doc", doc, "--title", "Drill\u{1B}]0;owned\u{07}"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("control characters"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("\u{1B}"), "the error itself prints the title escaped")

        let id = try await cli.ok(["event", "add", "--doc", doc, "--title", "Drill"]).lines[0]
        let store = try LocalStore.open(at: path)
        _ = try store.applyPulled(
            [.init(seq: 1, change: pulled(try EntityID(id), "title", "Owned\u{1B}]0;owned\u{07}", n: 3))], cursor: 1)
        for arguments in [["events"], ["show", id], ["show", id, "--history"], ["conflicts"]] {
            let out = try await cli.ok(arguments)
            #expect(
                !out.stdout.contains("\u{1B}") && !out.stdout.contains("\u{07}"), "\(arguments): raw escape printed")
        }
        #expect(try await cli.ok(["show", id]).stdout.contains("\\u{1b}]0;owned\\u{7}"))
    }

    @Test("a store holding a token that others can read: a warning on every command, sync and init --token refused")
    func worldReadableToken() async throws {
        let dir = TempDir()
        let path = dir.file("store.sqlite")
        let cli = CLI(store: path)
        try await cli.ok(["init", "--analyst", "alice", "--server", "http://127.0.0.1:9", "--token", "secret-token"])
        let created = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(created?.intValue == 0o600, "a new store is private")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let status = try await cli.run(["status"])
        #expect(status.status == 0)
        #expect(status.stderr.contains("chmod 600 \(path)"), "\(status.stderr)")
        let sync = try await cli.run(["sync"])
        #expect(sync.status == 1, "refused before the token leaves the store: \(sync.stderr)")
        #expect(sync.stderr.contains("mode 644") && sync.stderr.contains("chmod 600"))
        let reinit = try await cli.run(["init", "--analyst", "alice", "--token", "other-token"])
        #expect(reinit.status == 1)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let retried = try await cli.run(["sync"])
        #expect(retried.status == 3, "private again: the sync goes on to the (unreachable) server")
        #expect(!retried.stderr.contains("chmod"))
    }

    @Test("a command-line value that is not UTF-8 is refused, exit 1, nothing written")
    func nonUTF8Argument() async throws {
        let dir = TempDir()
        let cli = CLI(store: dir.file("store.sqlite"))
        try await cli.ok(["init", "--analyst", "alice"])
        try await cli.ok(["import"] + seedFiles)
        let doc = try await #require((try cli.json(["docs"]) as? [[String: Any]])?.first?["id"] as? String)
        let before = try await cli.ok(["status", "--json"]).stdout
        // Latin-1 "Séoul": bytes a shell passes through untouched, which Swift would read as "S\u{FFFD}oul".
        let script = dir.file("latin1.sh")
        try "exec \"$@\" $'S\\xe9oul'\n".write(toFile: script, atomically: true, encoding: .utf8)
        let result = try ConcordTestSupport.runBlocking(
            "/bin/bash", [script, CLI.binary, "event", "add", "--store", cli.store, "--doc", doc, "--title"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("not valid UTF-8"))
        #expect(try await cli.ok(["status", "--json"]).stdout == before, "nothing written")
    }

    // MARK: Issue 31

    @Test("bidirectional controls and invisible characters are printed escaped; joiners that scripts need are kept")
    func bidiAndInvisible() async throws {
        for (raw, shown) in [
            ("evil\u{202E}gnp.exe", "evil\\u{202e}gnp.exe"), ("a\u{200B}b", "a\\u{200b}b"),
            ("x\u{2066}y", "x\\u{2066}y"),
            ("\u{FEFF}title", "\\u{feff}title"), ("line\u{2028}break", "line\\u{2028}break"),
        ] {
            #expect(raw.printable == shown)
        }
        for kept in ["می\u{200C}خواهم", "👩\u{200D}💻", "서울", "tab\tand\nnewline"] { #expect(kept.printable == kept) }
        // Through the CLI: a title with a right-to-left override, accepted (it is no control character) but shown
        // escaped by every listing.
        let dir = TempDir()
        let cli = CLI(store: dir.file("store.sqlite"))
        try await cli.ok(["init", "--analyst", "alice"])
        try await cli.ok(["import"] + seedFiles)
        let doc = try await #require((try cli.json(["docs"]) as? [[String: Any]])?.first?["id"] as? String)
        let id = try await cli.ok(["event", "add", "--doc", doc, "--title", "Drill \u{202E}LIAF"]).lines[0]
        for arguments in [["events"], ["show", id], ["show", id, "--history"]] {
            let out = try await cli.ok(arguments).stdout
            #expect(!out.contains("\u{202E}"), "\(arguments) printed a raw U+202E")
            #expect(out.contains("\\u{202e}"), "\(arguments) shows it escaped")
        }
    }

    @Test("a note or summary of several lines cannot pass for other lines of `concord show`")
    func forgedShowLines() async throws {
        let dir = TempDir()
        let cli = CLI(store: dir.file("store.sqlite"))
        try await cli.ok(["init", "--analyst", "alice"])
        try await cli.ok(["import"] + seedFiles)
        let doc = try await #require((try cli.json(["docs"]) as? [[String: Any]])?.first?["id"] as? String)
        let id = try await cli.ok(["event", "add", "--doc", doc, "--title", "Drill"]).lines[0]
        let forged = "fine\n  status      rejected   by carol\n    carol at 2025-07-11 00:00:00 UTC: Adjudicated"
        try await cli.ok(["event", "note", id, forged])
        try await cli.ok(["event", "set", id, "summary", forged])
        let lines = try await cli.ok(["show", id]).stdout.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("  status") }, "a forged status line: \(lines)")
        #expect(!lines.contains { $0.hasPrefix("    carol at") }, "a forged note line: \(lines)")
        #expect(lines.filter { $0.contains("│ ") && $0.contains("status      rejected") }.count == 2)
    }

    @Test("a store opened through a symbolic link is judged by the file's mode, not the link's")
    func symlinkedStore() async throws {
        let dir = TempDir()
        let real = dir.file("real.sqlite")
        try await CLI(store: real).ok([
            "init", "--analyst", "alice", "--server", "http://127.0.0.1:9", "--token", "secret",
        ])
        let link = dir.file("link.sqlite")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let status = try await CLI(store: link).run(["status"])
        #expect(status.status == 0)
        #expect(!status.stderr.contains("chmod"), "a private file behind a link draws no warning: \(status.stderr)")
        let sync = try await CLI(store: link).run(["sync"])
        #expect(sync.status == 3, "the sync goes on to the (unreachable) server: \(sync.stderr)")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: real)
        #expect(try await CLI(store: link).run(["status"]).stderr.contains("mode 644"))
    }

    @Test("an article holding a NUL is refused at import, nothing written (the server refuses one too: ForgeryTests)")
    func nulDocument() async throws {
        let dir = TempDir()
        let cli = CLI(store: dir.file("store.sqlite"))
        try await cli.ok(["init", "--analyst", "alice"])
        let file = dir.file("nul.txt")
        try Data("A title\n\nSome text\u{0}with a NUL.\n".utf8).write(to: URL(fileURLWithPath: file))
        let result = try await cli.run(["import", file])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("NUL") || result.stderr.contains("not UTF-8 text"), "\(result.stderr)")
        #expect((try await cli.json(["docs"]) as? [Any])?.isEmpty == true)
    }
}
