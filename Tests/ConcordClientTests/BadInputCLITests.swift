import ConcordCore
import Foundation
import Testing

/// The CLI rows of docs/bad-input.md that other tests do not cover.
@Suite("concord CLI: bad input", .serialized)
struct BadInputCLITests {
    @Test("path-like references, oversized values and invalid UTF-8 files exit 1 and write nothing")
    func refusals() async throws {
        let dir = TempDir()
        let cli = CLI(store: dir.file("store.sqlite"))
        try await cli.ok(["init", "--analyst", "alice"])
        try await cli.ok(["import"] + seedFiles)
        let docs = try await #require(try cli.json(["docs"]) as? [[String: Any]])
        let doc = try #require(docs.first?["id"] as? String)
        let id = try await cli.ok(["event", "add", "--doc", doc, "--title", "t"]).lines[0]
        let before = try await cli.ok(["show", id, "--json"]).stdout

        for reference in ["../../etc/passwd", "/etc/passwd", "event/../../x", "%2e%2e%2f"] {
            let result = try await cli.run(["show", reference])
            #expect(result.status == 1, "show \(reference)")
            #expect(result.stderr.contains("no event matches"), "\(result.stderr)")
        }
        let pathDoc = try await cli.run(["event", "add", "--doc", "../\(doc)", "--title", "t"])
        #expect(pathDoc.status == 1)
        #expect(pathDoc.stderr.contains("no document matches"), "\(pathDoc.stderr)")

        let long = try await cli.run(["event", "set", id, "title", String(repeating: "x", count: 501)])
        #expect(long.status == 1)
        #expect(long.stderr.contains("at most 500 characters"), "\(long.stderr)")
        let bogusOp = try await cli.run(["event", "add-to", id, "title", "x"])
        #expect(bogusOp.status == 2, "an unknown subcommand is a usage error")

        let latin1 = dir.file("latin1.txt")
        try Data("Title: Caf\u{E9}\nSource: x\n\nCaf".utf8 + [0xE9, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: latin1))
        let article = try await cli.run(["import", latin1])
        #expect(article.status == 1)
        #expect(article.stderr.contains(latin1), "\(article.stderr)")

        let badEvents = dir.file("events.jsonl")
        try Data("{\"doc\": \"\(doc)\", \"title\": \"caf".utf8 + [0xE9] + Data("\"}\n".utf8)).write(
            to: URL(fileURLWithPath: badEvents))
        let events = try await cli.run(["event", "import", badEvents])
        #expect(events.status == 1)
        #expect(events.stderr.contains("not UTF-8"), "\(events.stderr)")

        #expect(try await cli.ok(["show", id, "--json"]).stdout == before, "nothing was written")
        #expect((try await cli.json(["events"]) as? [Any])?.count == 1)
    }
}
