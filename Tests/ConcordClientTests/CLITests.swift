import ConcordCore
import ConcordTestSupport
import Foundation
import GRDB
import Testing

/// Runs the built `concord` binary, as a user would.
struct CLI {
    typealias Result = ProcessResult

    static let binary = Binaries.client

    let store: String

    @discardableResult
    func run(_ arguments: [String], store explicitStore: Bool = true, environment: [String: String] = [:])
        async throws -> Result
    {
        try await ConcordTestSupport.run(
            CLI.binary, explicitStore ? arguments + ["--store", store] : arguments, environment: environment)
    }

    /// Runs and requires exit 0.
    @discardableResult
    func ok(_ arguments: [String]) async throws -> Result {
        let result = try await run(arguments)
        #expect(result.status == 0, "concord \(arguments.joined(separator: " ")): \(result.stderr)")
        return result
    }

    func json(_ arguments: [String]) async throws -> Any {
        let output = try await ok(arguments + ["--json"]).stdout
        return try JSONSerialization.jsonObject(with: Data(output.utf8))
    }
}

@Suite("concord CLI", .serialized)
struct CLITests {
    func initialized(_ dir: TempDir, analyst: String = "alice") async throws -> CLI {
        let cli = CLI(store: dir.file("store.sqlite"))
        try await cli.ok(["init", "--analyst", analyst])
        try await cli.ok(["import"] + seedFiles)
        return cli
    }

    func docID(_ cli: CLI) async throws -> String {
        let docs = try #require(try await cli.json(["docs"]) as? [[String: Any]])
        return try #require(docs.first?["id"] as? String)
    }

    @Test("the binary was built next to the tests")
    func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: CLI.binary), "build it with `swift build`: \(CLI.binary)")
    }

    @Test("every command without a store says to run concord init, exit 1")
    func noStore() async throws {
        let dir = TempDir()
        let cli = CLI(store: dir.file("none.sqlite"))
        for arguments in [["docs"], ["events"], ["status"], ["show", "abc"], ["event", "note", "abc", "x"]] {
            let result = try await cli.run(arguments)
            #expect(result.status == 1)
            #expect(result.stderr.contains("run `concord init"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("none.sqlite")))
    }

    @Test("init on an existing store sets the server and token, refuses another analyst, and never touches the log")
    func reinit() async throws {
        let dir = TempDir()
        let cli = CLI(store: dir.file("a.sqlite"))
        try await cli.ok(["init", "--analyst", "alice"])
        try await cli.ok(["import"] + seedFiles)
        let noServer = try await cli.run(["sync"])
        #expect(noServer.status == 3 && noServer.stderr.contains("no server configured"))
        try await cli.ok(["init", "--analyst", "alice", "--server", "http://127.0.0.1:9", "--token", "t0k"])
        let status = try await cli.json(["status", "--json"]) as? [String: Any]
        #expect(status?["server"] as? String == "http://127.0.0.1:9")
        #expect(status?["pending"] as? Int ?? 0 > 0, "the imported documents are still pending")
        let other = try await cli.run(["init", "--analyst", "bob", "--server", "http://127.0.0.1:9"])
        #expect(other.status == 1 && other.stderr.contains("alice's store"))
        #expect(try await cli.run(["init", "--analyst", "alice"]).status == 1, "nothing to change: the store exists")
        #expect(try await cli.run(["init", "--analyst", "alice", "--server", "ftp://x"]).status == 2)
    }

    @Test("usage errors exit 2")
    func usage() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        #expect(try await cli.run(["frobnicate"]).status == 2)
        #expect(try await cli.run(["event", "set", "abc"]).status == 2)
        #expect(try await cli.run(["export", "--format", "xml"]).status == 2)
        let help = try await cli.run(["--help"], store: false)
        #expect(help.status == 0)
        #expect(help.stdout.contains("event"))
    }

    @Test("init, import, event add, show, events, docs, status: the protocol.md §7 walk-through with the seeds")
    func walkThrough() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let docs = try await #require(try cli.json(["docs"]) as? [[String: Any]])
        #expect(docs.count == seedFiles.count)
        #expect(Set(docs[0].keys) == ["id", "title", "source", "published", "byline", "url", "file"])
        let doc = try await docID(cli)

        let added = try await cli.ok([
            "event", "add", "--doc", String(doc.dropFirst("document/".count).prefix(8)), "--title",
            "B-52 joint air drill",
            "--type", "COOPERATE", "--date", "2025-07-11", "--country", "KOR", "--actor", "South Korea", "--actor",
            "United States", "--tag", "b52", "--confidence", "medium",
        ])
        #expect(added.lines.count == 1)
        let id = added.lines[0]
        #expect((try? EntityID(id))?.kind == .event)

        let short = String(id.dropFirst("event/".count).prefix(24))
        try await cli.ok(["event", "set", short, "type", "MOBILIZE"])
        try await cli.ok(["event", "tag", short, "deterrence"])
        try await cli.ok(["event", "untag", short, "b52"])
        try await cli.ok(["event", "add-actor", short, "Japan"])
        try await cli.ok(["event", "remove-actor", short, "United States"])
        try await cli.ok(["event", "note", short, "Show of force or routine drill?"])

        let show = try await #require(try cli.json(["show", short]) as? [String: Any])
        #expect(
            Set(show.keys)
                == [
                    "id", "fields", "actors", "recipients", "context", "tags", "same_as", "distinct_from", "notes",
                    "deleted",
                ])
        #expect(show["recipients"] as? [String] == [] && show["same_as"] as? [String] == [])
        #expect(show["id"] as? String == id)
        let fields = try #require(show["fields"] as? [String: [String: Any]])
        #expect(fields["type"]?["value"] as? String == "MOBILIZE")
        #expect(fields["type"]?["conflict"] as? Bool == false)
        let candidate = try #require((fields["type"]?["candidates"] as? [[String: Any]])?.first)
        #expect(Set(candidate.keys) == ["change", "value", "author", "hlc"])
        #expect(show["actors"] as? [String] == ["Japan", "South Korea"])
        #expect(show["tags"] as? [String] == ["deterrence"])
        let notes = try #require(show["notes"] as? [[String: Any]])
        #expect(Set(notes[0].keys) == ["text", "author", "hlc"])

        let events = try await #require(try cli.json(["events"]) as? [[String: Any]])
        #expect(events.count == 1)
        #expect(
            Set(events[0].keys)
                == [
                    "id", "doc", "title", "creator", "type", "mode", "date", "country", "location", "confidence",
                    "actors", "recipients", "context", "conflicts", "disagreements", "deleted",
                ])
        #expect(events[0]["conflicts"] as? Int == 0 && events[0]["disagreements"] as? Int == 0)
        #expect(events[0]["creator"] as? String == "alice")
        #expect(events[0]["country"] as? String == "KOR" && events[0]["confidence"] as? String == "medium")
        #expect(events[0]["mode"] is NSNull && events[0]["location"] is NSNull)
        #expect(events[0]["actors"] as? [String] == ["Japan", "South Korea"])
        let typo = try await cli.run(["events", "--type", "CONSLUT"])
        #expect(typo.status == 1 && typo.stderr.contains("not a PLOVER event type"), "\(typo.stderr)")
        let badStatus = try await cli.run(["events", "--status", "done"])
        #expect(badStatus.status == 1, "\(badStatus.stderr)")
        try await cli.ok(["event", "edit", short, "--recipient", "North Korea"])
        let exported = try await cli.ok(["export", "--format", "jsonl"]).lines
        let record = try #require(try JSONSerialization.jsonObject(with: Data(exported[0].utf8)) as? [String: Any])
        #expect(record["recipients"] as? [String] == ["North Korea"])
        #expect(try await cli.json(["events", "--doc", doc]) as? [[String: Any]] != nil)
        #expect((try await cli.json(["events", "--conflicts"]) as? [Any])?.isEmpty == true)
        #expect((try await cli.json(["conflicts"]) as? [Any])?.isEmpty == true)

        let status = try await #require(try cli.json(["status"]) as? [String: Any])
        #expect(status["analyst"] as? String == "alice")
        #expect(status["pending"] as? Int ?? 0 > 10)

        let history = try await cli.ok(["show", short, "--history"])
        #expect(history.lines.count == 16, "15 edits and the recipient")
        #expect(history.stdout.contains("MOBILIZE"))
        #expect(history.lines.allSatisfy { $0.split(separator: "\t").count == 8 })

        try await cli.ok(["event", "delete", short])
        let refused = try await cli.run(["event", "set", short, "type", "AID"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("restore it first"))
        try await cli.ok(["event", "restore", short])
        #expect((try await cli.json(["show", short]) as? [String: Any])?["deleted"] as? Bool == false)

        // Piped listings are tab-separated without a header.
        let piped = try await cli.ok(["events"])
        #expect(
            piped.lines == [
                [id, "alice", "MOBILIZE", "2025-07-11", "0", "B-52 joint air drill"].joined(separator: "\t")
            ])
    }

    @Test("show --json prints the same bytes on two replicas with the same changes")
    func showBytesAcrossReplicas() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let doc = try await docID(cli)
        let id = try await cli.ok(["event", "add", "--doc", doc, "--title", "drill", "--tag", "b", "--tag", "a"]).lines[
            0]
        try await cli.ok(["event", "note", id, "one"])
        try await cli.ok(["event", "note", id, "two"])
        let store = try LocalStoreCopy.copyChanges(from: cli.store, to: dir.file("other.sqlite"))
        let other = CLI(store: store)
        let a = try await cli.ok(["show", id, "--json"]).stdout
        let b = try await other.ok(["show", id, "--json"]).stdout
        #expect(a == b)
        #expect(a.contains("\"tags\":[\"a\",\"b\"]"))
    }

    @Test("analysts cannot mark an event reviewed; invalid fields and values say what is allowed")
    func refusals() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let doc = try await docID(cli)
        let id = try await cli.ok(["event", "add", "--doc", doc, "--title", "t"]).lines[0]
        let reviewed = try await cli.run(["event", "set", id, "status", "reviewed"])
        #expect(reviewed.status == 1)
        #expect(reviewed.stderr.contains("adjudicator"))
        let field = try await cli.run(["event", "set", id, "colour", "red"])
        #expect(field.status == 1)
        #expect(field.stderr.contains("title, summary, type"))
        let value = try await cli.run(["event", "set", id, "confidence", "total"])
        #expect(value.status == 1)
        #expect(value.stderr.contains("low, medium, high"))
        let evidence = try await cli.run(["event", "set", id, "evidence", "the moon is made of cheese"])
        #expect(evidence.status == 1)
        #expect(evidence.stderr.contains("does not occur"))
        let unknown = try await cli.run(["show", "0000"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no event matches"))
        let unknownDoc = try await cli.run(["event", "add", "--doc", "ffff", "--title", "t"])
        #expect(unknownDoc.status == 1)
        #expect(unknownDoc.stderr.contains("no document matches"))
    }

    @Test("event import: a malformed line names the line and field and imports nothing; a good file imports all")
    func eventImport() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let doc = try await docID(cli)
        var lines = (1...50).map { "{\"doc\": \"\(doc)\", \"title\": \"event \($0)\", \"type\": \"CONSULT\"}" }
        lines[36] = "{\"doc\": \"\(doc)\", \"title\": \"bad\", \"date\": \"yesterday\"}"
        let bad = dir.write("bad.jsonl", lines.joined(separator: "\n"))
        let result = try await cli.run(["event", "import", bad])
        #expect(result.status == 1)
        #expect(result.stderr.contains("bad.jsonl:37: field date"), "\(result.stderr)")
        #expect((try await cli.json(["events"]) as? [Any])?.isEmpty == true)
        lines[36] = "{\"doc\": \"\(doc)\", \"title\": \"fixed\", \"date\": \"2025-05\"}"
        let good = dir.write("good.jsonl", lines.joined(separator: "\n"))
        try await cli.ok(["event", "import", good])
        #expect((try await cli.json(["events"]) as? [Any])?.count == 50)
    }

    @Test("bad article files exit 1 naming the file; nothing is imported")
    func badArticles() async throws {
        let dir = TempDir()
        let cli = CLI(store: dir.file("store.sqlite"))
        try await cli.ok(["init", "--analyst", "alice"])
        let empty = dir.write("empty.txt", "")
        let result = try await cli.run(["import", seedFiles[0], empty])
        #expect(result.status == 1)
        #expect(result.stderr.contains(empty))
        #expect((try await cli.json(["docs"]) as? [Any])?.isEmpty == true)
    }

    @Test("a foreign SQLite file is refused and left unchanged")
    func foreignStore() async throws {
        let dir = TempDir()
        let path = dir.file("foreign.db")
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "CREATE TABLE notes(x)") }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let result = try await CLI(store: path).run(["events"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("not a Concord store"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let again = try await CLI(store: path).run(["init", "--analyst", "alice"])
        #expect(again.status == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("a store locked by another process: the command waits, then says the store is locked")
    func lockedStore() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let doc = try await docID(cli)
        let queue = try DatabaseQueue(path: cli.store)
        // The lock is held on this thread while the binary runs, so this one waits synchronously.
        let result = try await queue.writeWithoutTransaction { db -> CLI.Result in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            return try runBlocking(
                CLI.binary, ["event", "add", "--doc", doc, "--title", "t", "--store", cli.store])
        }
        #expect(result.status == 1)
        #expect(result.stderr.contains("locked"), "\(result.stderr)")
        #expect(try await cli.ok(["event", "add", "--doc", doc, "--title", "t"]).lines.count == 1)
    }

    @Test("CONCORD_STORE chooses the store when --store is absent")
    func environmentStore() async throws {
        let dir = TempDir()
        let cli = CLI(store: dir.file("env.sqlite"))
        let created = try await cli.run(
            ["init", "--analyst", "bob"], store: false, environment: ["CONCORD_STORE": cli.store])
        #expect(created.status == 0)
        #expect(FileManager.default.fileExists(atPath: cli.store))
    }

    @Test("export writes CSV, JSON Lines and PLOVER records")
    func export() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let doc = try await docID(cli)
        let id = try await cli.ok([
            "event", "add", "--doc", doc, "--title", "Talks, remote", "--type", "CONSULT", "--date", "2025-05-20",
            "--country", "KOR", "--actor", "South Korea",
        ]).lines[0]
        let csv = try await cli.ok(["export", "--format", "csv"]).lines
        #expect(csv.count == 2)
        #expect(csv[0].hasPrefix("id,members,coders,doc,title"))
        #expect(csv[1].contains("\"Talks, remote\""))
        let jsonl = try await cli.ok(["export", "--format", "jsonl"]).lines
        #expect(jsonl == [try await cli.ok(["show", id, "--json"]).stdout.trimmingCharacters(in: .newlines)])
        let plover = try await cli.ok(["export", "--format", "plover"]).lines
        let record = try #require(try JSONSerialization.jsonObject(with: Data(plover[0].utf8)) as? [String: Any])
        #expect(record["event"] as? [String] == ["CONSULT"])
        #expect(record["date"] as? String == "2025-05-20")
        #expect((record["event_loc"] as? [String: Any])?["country_code"] as? String == "KOR")
        #expect(record["actor"] as? [[String: String]] == [["entity_text": "South Korea"]])
        #expect(record["quad_code"] as? Int == 1)
        #expect(record["id"] as? String == id)
    }

    @Test("coding commands: match, link, agreement and resolve refuse bad input with exit 1 and write nothing")
    func codingBadInput() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let doc = try await docID(cli)
        let first = try await cli.ok(["event", "add", "--doc", doc, "--title", "Drill", "--type", "COOPERATE"]).lines[0]
        let second = try await cli.ok(["event", "add", "--doc", doc, "--title", "Talks", "--type", "CONSULT"]).lines[0]
        let before = try await cli.ok(["status", "--json"]).stdout

        let badMin = try await cli.run(["match", "--min", "2"])
        #expect(badMin.status == 1 && badMin.stderr.contains("--min is a score in [0, 1]"), "\(badMin.stderr)")
        let itself = try await cli.run(["link", first, first])
        #expect(itself.status == 1 && itself.stderr.contains("cannot be linked to itself"), "\(itself.stderr)")
        let toDocument = try await cli.run(["link", first, doc])
        #expect(toDocument.status == 1, "\(toDocument.stderr)")
        let unknown = try await cli.run(["link", first, "ffffffff"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no event matches"), "\(unknown.stderr)")
        let noReason = try await cli.run(["resolve", first, "type", "--value", "AID"])
        #expect(noReason.status == 1 && noReason.stderr.contains("--reason"), "\(noReason.stderr)")
        #expect(try await cli.ok(["status", "--json"]).stdout == before, "nothing was written")

        // A store with no unit two analysts coded: α undefined, a sentence, exit 0; JSON with nulls.
        let agreement = try await cli.ok(["agreement"])
        #expect(agreement.stdout.contains("α is undefined"), "\(agreement.stdout)")
        let json = try await #require(try cli.json(["agreement"]) as? [String: Any])
        let type = try #require((json["fields"] as? [String: Any])?["type"] as? [String: Any])
        #expect(type["alpha"] is NSNull && type["units"] as? Int == 0)
        // One analyst's events are never suggested as a pair; linking them is still allowed.
        #expect(try await cli.json(["match", "--min", "0"]) as? [Any] != nil)
        #expect((try await cli.json(["match", "--min", "0"]) as? [Any])?.isEmpty == true)
        let linked = try await cli.run(["link", first, second])
        #expect(linked.status == 0, "\(linked.stderr)")
        let events = try await cli.ok(["events"]).stdout
        #expect(events.contains("alice"), "the events table names each event's author")
    }

    @Test("dismiss: a linked pair, an event and itself, and linking a dismissed pair are refused with exit 1")
    func dismissBadInput() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let doc = try await docID(cli)
        let first = try await cli.ok(["event", "add", "--doc", doc, "--title", "Drill", "--type", "COOPERATE"]).lines[0]
        let second = try await cli.ok(["event", "add", "--doc", doc, "--title", "Talks", "--type", "CONSULT"]).lines[0]
        let third = try await cli.ok(["event", "add", "--doc", doc, "--title", "Vow", "--type", "AGREE"]).lines[0]
        try await cli.ok(["link", first, second])
        let before = try await cli.ok(["status", "--json"]).stdout
        let itself = try await cli.run(["dismiss", first, first])
        #expect(itself.status == 1 && itself.stderr.contains("itself"), "\(itself.stderr)")
        let linked = try await cli.run(["dismiss", second, first])
        #expect(linked.status == 1 && linked.stderr.contains("unlink"), "\(linked.stderr)")
        let unknown = try await cli.run(["dismiss", first, "ffffffff"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no event matches"), "\(unknown.stderr)")
        #expect(try await cli.ok(["status", "--json"]).stdout == before, "nothing was written")

        let dismissed = try await cli.ok(["dismiss", first, third])
        #expect(dismissed.stderr.contains("dismissed"), "\(dismissed.stderr)")
        let again = try await cli.ok(["dismiss", third, first])
        #expect(again.stderr.contains("already dismissed"), "\(again.stderr)")
        let afterDismissal = try await cli.ok(["status", "--json"]).stdout
        let link = try await cli.run(["link", third, first])
        #expect(link.status == 1 && link.stderr.contains("undismiss"), "\(link.stderr)")
        #expect(try await cli.ok(["status", "--json"]).stdout == afterDismissal, "nothing was written")
        try await cli.ok(["undismiss", third, first])
        try await cli.ok(["link", third, first])
        let notDismissed = try await cli.run(["undismiss", third, first])
        #expect(notDismissed.status == 1 && notDismissed.stderr.contains("not dismissed"), "\(notDismissed.stderr)")
    }

    @Test("--clear empties a register (a vote for none on a coded field); a type change must fix or clear its mode")
    func clearAndModes() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let doc = try await docID(cli)
        let id = try await cli.ok([
            "event", "add", "--doc", doc, "--title", "Missile launch", "--type", "MOBILIZE", "--mode", "weapons",
            "--location", "Pyongyang", "--summary", "A launch",
        ]).lines[0]
        try await cli.ok(["event", "edit", id, "--clear", "location", "--clear", "summary"])
        var fields = try await #require((try cli.json(["show", id]) as? [String: Any])?["fields"] as? [String: Any])
        #expect(fields["location"] == nil && fields["summary"] == nil, "no value: \(fields.keys.sorted())")
        #expect(fields["mode"] != nil)
        let required = try await cli.run(["event", "edit", id, "--clear", "title"])
        #expect(required.status == 1 && required.stderr.contains("cannot be cleared"), "\(required.stderr)")
        let both = try await cli.run(["event", "edit", id, "--clear", "location", "--location", "Seoul"])
        #expect(both.status == 1, "\(both.stderr)")
        // A type that does not allow the coder's own mode: refused unless the same command fixes the mode.
        let before = try await cli.ok(["status", "--json"]).stdout
        let stranded = try await cli.run(["event", "set", id, "type", "COOPERATE"])
        #expect(stranded.status == 1 && stranded.stderr.contains("--clear mode"), "\(stranded.stderr)")
        let strandedEdit = try await cli.run(["event", "edit", id, "--type", "THREATEN"])
        #expect(strandedEdit.status == 1, "\(strandedEdit.stderr)")
        #expect(try await cli.ok(["status", "--json"]).stdout == before, "nothing written")
        try await cli.ok(["event", "edit", id, "--type", "COOPERATE", "--clear", "mode"])
        fields = try await #require((try cli.json(["show", id]) as? [String: Any])?["fields"] as? [String: Any])
        #expect((fields["type"] as? [String: Any])?["value"] as? String == "COOPERATE")
        #expect(fields["mode"] == nil)
        let events = try await #require(try cli.json(["events"]) as? [[String: Any]])
        #expect(events[0]["mode"] is NSNull && events[0]["location"] is NSNull)
    }

    @Test("a single-valued option given twice is a usage error naming it; a mode needs a type")
    func repeatedOptionsAndModeWithoutType() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let doc = try await docID(cli)
        let before = try await cli.ok(["status", "--json"]).stdout
        let twice = try await cli.run([
            "event", "add", "--doc", doc, "--title", "Talks", "--mode", "visit", "--mode", "phone",
        ])
        #expect(twice.status == 2 && twice.stderr.contains("--mode was given 2 times"), "\(twice.stderr)")
        let types = try await cli.run([
            "event", "add", "--doc", doc, "--title", "Talks", "--type", "AID", "--type", "AGREE",
        ])
        #expect(types.status == 2 && types.stderr.contains("--type"), "\(types.stderr)")
        let noType = try await cli.run(["event", "add", "--doc", doc, "--title", "Talks", "--mode", "visit"])
        #expect(noType.status == 1 && noType.stderr.contains("a mode needs a type"), "\(noType.stderr)")
        #expect(try await cli.ok(["status", "--json"]).stdout == before, "nothing written")
        let id = try await cli.ok(["event", "add", "--doc", doc, "--title", "Talks"]).lines[0]
        let later = try await cli.run(["event", "set", id, "mode", "visit"])
        #expect(later.status == 1 && later.stderr.contains("a mode needs a type"), "\(later.stderr)")
        try await cli.ok(["event", "add", "--doc", doc, "--title", "Call", "--type", "consult", "--mode", "PHONE"])
    }

    @Test("rebuild keeps every event as it was")
    func rebuild() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let doc = try await docID(cli)
        let id = try await cli.ok(["event", "add", "--doc", doc, "--title", "t", "--actor", "Japan"]).lines[0]
        let before = try await cli.ok(["show", id, "--json"]).stdout
        try await cli.ok(["rebuild"])
        #expect(try await cli.ok(["show", id, "--json"]).stdout == before)
    }

    @Test("doc show: piped, quotes are [[marked]][N] and events listed by analyst; an unknown prefix exits 1")
    func docShow() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let doc = try await docID(cli)
        let text = try await #require(try cli.json(["docs"]) as? [[String: Any]]).first?["title"] as? String
        let quote = try #require(text).split(separator: " ").prefix(3).joined(separator: " ")
        try await cli.ok(["event", "add", "--doc", doc, "--title", "From the headline", "--evidence", quote])
        let shown = try await cli.ok(["doc", "show", String(doc.dropFirst(9).prefix(4))]).stdout
        #expect(shown.contains("[[\(quote)]][1]"), "\(shown)")
        #expect(shown.contains("EVENTS BY ANALYST\nalice\n  [1]"))
        let unknown = try await cli.run(["doc", "show", "ffffffff"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no document matches") && unknown.stdout.isEmpty)
    }

    @Test("undo: exit 0 naming what it undid, history in UTC with the reason; exit 1 when nothing is left")
    func undo() async throws {
        let dir = TempDir()
        let cli = try await initialized(dir)
        let doc = try await docID(cli)
        let id = try await cli.ok(["event", "add", "--doc", doc, "--title", "Drill", "--type", "agree"]).lines[0]
        try await cli.ok(["event", "edit", id, "--type", "consult", "--mode", "visit"])
        // A register has no "no value" in the log: the mode cannot go back to none, so nothing is undone.
        let firstValue = try await cli.run(["undo"])
        #expect(firstValue.status == 1)
        #expect(firstValue.stderr.contains("mode of") && firstValue.stderr.contains("had no value before"))
        try await cli.ok(["event", "set", id, "mode", "phone"])
        try await cli.ok(["event", "edit", id, "--type", "consult", "--title", "Video talks"])
        let undone = try await cli.ok(["undo"])
        #expect(undone.stderr.contains("undid"), "\(undone.stderr)")
        #expect(undone.stderr.contains("title back to \"Drill\""), "\(undone.stderr)")
        let history = try await cli.ok(["show", id, "--history"]).stdout
        #expect(history.contains("(concord undo)"), "history marks the undo's changes")
        #expect(history.contains(" UTC"), "times a person reads are dates, not raw clocks")
        let json = try await #require(try cli.json(["show", id, "--history"]) as? [[String: Any]])
        #expect(json.allSatisfy { ($0["hlc"] as? String)?.contains(":") == true }, "raw clocks stay in --json")
        try await cli.ok(["undo"])  // mode back to visit
        #expect(try await cli.ok(["show", id]).stdout.contains("visit"))
        let stuck = try await cli.run(["undo"])  // the edit that gave the mode its first value
        #expect(stuck.status == 1)
        let freshDir = TempDir()
        let fresh = try await initialized(freshDir)
        let refused = try await fresh.run(["undo"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("only event edits can be undone"), "\(refused.stderr)")
        let unknown = try await cli.run(["undo", "abcdef12"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no change matches"))
    }
}

/// Builds a second replica holding the same changes as a first, through the public store API.
enum LocalStoreCopy {
    static func copyChanges(from source: String, to destination: String) throws -> String {
        let changes = try ConcordStore.LocalStore.open(at: source).allChanges()
        let copy = try ConcordStore.LocalStore.create(
            at: destination, analyst: AnalystName("bob"), server: nil, token: nil)
        let reversed = changes.reversed().enumerated().map {
            Wire.SequencedChange(seq: Int64($0.offset + 1), change: $0.element)
        }
        _ = try copy.applyPulled(reversed, cursor: Int64(changes.count))
        return destination
    }
}

import ConcordStore
