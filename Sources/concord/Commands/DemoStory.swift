import ConcordStore
import ConcordSync
import ConcordCore
import Foundation

/// The scripted story of `concord demo`, told on stdout step by step.
struct DemoStory {
    /// Two analysts who code the articles independently, and an adjudicator.
    static let team: [(String, Role)] = [("alice", .analyst), ("bob", .analyst), ("carol", .adjudicator)]

    let server: DemoServer
    /// Each analyst's token, as `concord-server analyst add` printed it.
    let tokens: [String: String]
    let directory: URL
    let seeds: [String]

    private func say(_ text: String = "") { print(text) }

    private func step(_ number: Int, _ title: String) {
        say()
        say("── \(number). \(title)")
    }

    func run() async throws {
        say("Concord demo: a sync server on \(server.url.absoluteString), files in \(directory.path)")

        step(1, "The server admin adds two analysts and an adjudicator")
        let team = Self.team
        var stores: [String: LocalStore] = [:]
        for (name, role) in team {
            let token = tokens[name]!
            say("   concord-server analyst add \(name) --role \(role.rawValue) --db \(server.database)")
            stores[name] = try LocalStore.create(
                at: directory.appendingPathComponent("\(name).sqlite").path, analyst: try AnalystName(name),
                server: server.url.absoluteString, token: token)
            say(
                "   \(name) (\(role.rawValue)): concord init --analyst \(name) --server \(server.url.absoluteString) --token \(token.prefix(8))…"
            )
        }
        let alice = stores["alice"]!, bob = stores["bob"]!, carol = stores["carol"]!

        step(2, "Everyone imports the seed articles, offline")
        for (name, _) in team {
            let imported = try stores[name]!.importArticles(seeds)
            say(
                "   \(name): concord import \(seeds.map { ($0 as NSString).lastPathComponent }.joined(separator: " ")) → \(imported.count) documents"
            )
        }
        let documents = try alice.documents()
        guard let reuters = documents.first(where: { $0.title?.contains("air drill") == true }),
            let ians = documents.first(where: { $0.id != reuters.id })
        else { throw DemoError("the seeds should hold the Reuters air-drill article and the IANS video-talks article") }
        for document in documents { say("   \(document.id.rawValue)  \(document.title ?? "")") }

        step(3, "Carol assigns both articles to Alice and Bob: they code blind (concord assign)")
        try await sync("carol", stores, tokens)
        let assigned = try carol.autoAssign(
            [], coders: [try AnalystName("alice"), try AnalystName("bob")], perDocument: 2)
        say("   carol: concord assign --auto --coders alice,bob --per-doc 2 → \(assigned.changes.count) assignments")
        for name in ["carol", "alice", "bob"] { try await sync(name, stores, tokens) }
        say("   alice: concord queue → \(try alice.queue().map { $0.summary.title ?? "" }.joined(separator: "; "))")

        step(4, "Offline, Alice and Bob code both articles independently, each their own events")
        let allies = ["United States", "Japan", "South Korea"]
        let drillQuote = "conducted a joint air drill on Friday involving a U.S. B-52 strategic bomber"
        let aliceDrill = try code(
            "alice", alice, reuters.id, "Joint air drill with a US B-52",
            ["type": "COOPERATE", "date": "2025-07-11", "location": "international waters", "confidence": "high"],
            actors: allies, evidence: drillQuote)
        _ = try code(
            "alice", alice, reuters.id, "Trilateral chiefs of defence meet in Seoul",
            ["type": "CONSULT", "date": "2025-07-11", "location": "Seoul"], actors: allies,
            evidence: "The three countries’ defence chiefs also held an annual meeting in Seoul on Friday")
        _ = try code(
            "alice", alice, ians.id, "Kim and Caine hold first video talks", ["type": "CONSULT", "date": "2025-05-20"],
            actors: ["South Korea", "United States"], evidence: "held the talks Tuesday")
        _ = try code(
            "alice", alice, reuters.id, "Rubio meets Iwaya and Park in Kuala Lumpur", ["type": "CONSULT"],
            actors: ["Marco Rubio", "Takeshi Iwaya", "Park Yoon-joo"],
            evidence: "Marco Rubio also met Japanese Foreign Minister Takeshi Iwaya")
        let bobDrill = try code(
            "bob", bob, reuters.id, "B-52 trilateral air drill",
            ["type": "MOBILIZE", "date": "2025-07", "confidence": "high"], actors: ["United States", "South Korea"],
            evidence: drillQuote + " and fighter jets of the three allies")
        _ = try code(
            "bob", bob, ians.id, "Trilateral chiefs of defence meeting planned in South Korea",
            ["type": "CONSULT", "date": "2025-07"], actors: ["South Korea", "United States", "Japan"],
            evidence: "Trilateral Chief of Defense meeting set to take place in South Korea in July")
        _ = try code(
            "bob", bob, ians.id, "JCS chiefs video talks", ["type": "CONSULT", "date": "2025-05-20"],
            actors: ["United States", "South Korea"], evidence: "held the talks Tuesday, which marked the first")

        step(5, "Everyone syncs: the server keeps each coder's events from the other until both have submitted")
        for name in ["alice", "bob", "carol", "alice", "bob"] { try await sync(name, stores, tokens) }
        func eventsBy(_ store: LocalStore) throws -> String {
            let counts = Dictionary(grouping: try store.events(), by: { $0.creator ?? "?" }).mapValues(\.count)
            return counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
        }
        for name in ["alice", "bob", "carol"] {
            say("   \(name): concord events → \(try eventsBy(stores[name]!))")
        }
        if try alice.events().contains(where: { $0.creator == "bob" }) {
            throw DemoError("alice should not see bob's events before both submitted")
        }

        step(6, "Both submit (concord submit); at their next sync each sees the other's coding")
        for (name, store) in [("alice", alice), ("bob", bob)] {
            for document in [reuters, ians] {
                _ = try store.submit(document.id.rawValue)
                say("   \(name): concord submit \(document.id.id.prefix(7))")
            }
            try await sync(name, stores, tokens)
        }
        for name in ["alice", "bob"] { try await sync(name, stores, tokens) }
        for name in ["alice", "bob"] { say("   \(name): concord events → \(try eventsBy(stores[name]!))") }
        say("   carol: concord conflicts → \(try carol.conflictViews().count) open")

        step(7, "Alice asks Concord which events report the same happening (concord match), and links them")
        let suggestions = try alice.matchSuggestions(minimum: 0.5)
        let titles = Dictionary(
            try alice.events().map { ($0.id.rawValue, $0.title ?? "") }, uniquingKeysWith: { a, _ in a })
        for s in suggestions {
            say(
                "   \(String(format: "%.2f", s.score))  \"\(titles[s.a] ?? "")\" ~ \"\(titles[s.b] ?? "")\"  "
                    + ["content", "type", "participants", "title", "date"].compactMap { key in
                        (s.reasons[key] ?? 0) > 0 ? "\(key) \(String(format: "%.2f", s.reasons[key]!))" : nil
                    }.joined(separator: ", "))
        }
        for s in suggestions {
            _ = try alice.link(s.a, to: [s.b])
            say("   alice: concord link \(s.a.dropFirst("event/".count)) \(s.b.dropFirst("event/".count))")
        }
        try await sync("alice", stores, tokens)
        try await sync("bob", stores, tokens)

        step(
            8,
            "Bob codes Alice's drill too: his vote stands beside hers (a revision after he submitted: α keeps his blind vote)"
        )
        let drill = aliceDrill.rawValue
        try edit("bob", "event set \(short(aliceDrill)) type MOBILIZE") {
            try bob.set(drill, field: "type", value: "MOBILIZE")
        }
        try edit("bob", "event set \(short(aliceDrill)) location \"Korean Peninsula\"") {
            try bob.set(drill, field: "location", value: "Korean Peninsula")
        }
        for name in ["bob", "carol", "alice"] { try await sync(name, stores, tokens) }

        step(9, "Carol lists the conflicts and the linked events' disagreements (concord conflicts)")
        for conflict in try carol.conflictViews() {
            say("   \(conflict.entity.rawValue)  \"\(conflict.title ?? "")\"  field \(conflict.field)")
            for c in conflict.candidates {
                say("     \(c.value.description.padding(toLength: 22, withPad: " ", startingAt: 0)) \(c.author)")
            }
        }
        for disagreement in try carol.clusterDisagreements() {
            say("   cluster \(disagreement.cluster.rawValue)  field \(disagreement.field)")
            for c in disagreement.candidates {
                say(
                    "     \(c.value.description.padding(toLength: 22, withPad: " ", startingAt: 0)) \(c.author) on "
                        + "\"\(titles[c.event.rawValue] ?? "")\"")
            }
        }

        step(10, "Alice may not decide; Carol, the adjudicator, resolves the drill's type for both linked events")
        do {
            _ = try alice.resolve(drill, field: "type", keep: nil, value: "COOPERATE", reason: "a joint exercise")
            throw DemoError("an analyst's resolution should have been refused")
        } catch let error as StoreError {
            say("   alice: concord resolve \(short(aliceDrill)) type --value COOPERATE → refused: \(error)")
        }
        let reason = "PLOVER codes joint military exercises as COOPERATE; the show of force is noted"
        let resolution = try carol.resolve(
            bobDrill.rawValue, field: "type", keep: nil, value: "COOPERATE", reason: reason)
        say(
            "   carol: concord resolve \(short(bobDrill)) type --value COOPERATE --reason \"\(reason)\" → "
                + "\(resolution.changes.count) changes, one per linked event")
        for name in ["carol", "alice", "bob"] { try await sync(name, stores, tokens) }

        step(11, "What each analyst sees (concord show \(short(aliceDrill)) --json is the same bytes on every replica)")
        var shown: Set<Data> = []
        for name in ["alice", "bob", "carol"] {
            let snapshot = try stores[name]!.event(drill)
            shown.insert(JSONShapes.show(snapshot))
            let fields = ["type", "location", "confidence"].map { field -> String in
                guard let f = snapshot.fields[field] else { return "\(field)=–" }
                return "\(field)=\(f.value)" + (f.conflict ? " (conflict)" : f.agreement ? " (agreed)" : "")
            }
            say("   \(name): " + fields.joined(separator: ", "))
        }
        say("   identical on all three replicas: \(shown.count == 1 ? "yes" : "NO")")
        if shown.count != 1 { throw DemoError("the replicas did not converge") }

        step(
            12,
            "How far do the coders agree? (concord agreement) Each coder's blind votes count, never a resolution or a later revision"
        )
        for line in try carol.agreement().text().split(separator: "\n", omittingEmptySubsequences: false) {
            say("   " + line)
        }

        step(13, "The report (concord report)")
        let report = try carol.report(generatedAt: Date())
        say(report.markdown())
        let html = directory.appendingPathComponent("report.html")
        try Data(report.html().utf8).write(to: html)
        say()
        say("The HTML report is at \(html.path) (one self-contained page; open it in a browser).")
        say("Stores and the server database are in \(directory.path).")
    }

    /// One analyst codes one event offline, as `concord event add` does.
    private func code(
        _ name: String, _ store: LocalStore, _ doc: EntityID, _ title: String, _ values: [String: String],
        actors: [String], evidence: String
    ) throws -> EntityID {
        var all = values
        all["doc"] = doc.rawValue
        all["title"] = title
        all["evidence"] = evidence
        let id = try store.addEvent(EventDraft(values: all, actors: actors))
        say(
            "   \(name): concord event add --doc \(doc.id.prefix(7)) --title \"\(title)\""
                + (values["type"].map { " --type \($0)" } ?? "") + (values["date"].map { " --date \($0)" } ?? "")
                + " → \(short(id))")
        return id
    }

    /// The id as the CLI takes it. Events made in one millisecond share their UUIDv7 time prefix, so the demo
    /// prints whole ids rather than prefixes that would not be unique.
    private func short(_ id: EntityID) -> String { String(id.id) }

    private func edit(_ name: String, _ command: String, _ body: () throws -> EditOutcome) throws {
        let outcome = try body()
        say("   \(name): concord \(command)" + (outcome.changes.isEmpty ? "  (nothing to write)" : ""))
        for notice in outcome.notices { say("     \(notice)") }
    }

    private func sync(_ name: String, _ stores: [String: LocalStore], _ tokens: [String: String]) async throws {
        let engine = SyncEngine(
            store: stores[name]!, transport: HTTPTransport(server: server.url.absoluteString, token: tokens[name]!))
        let summary = try await engine.run()
        let lines = summary.description.split(separator: "\n")
        say("   \(name): concord sync → \(lines[0].dropFirst("sync: ".count))")
        for line in lines.dropFirst() { say("         \(line)") }
    }
}

struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
