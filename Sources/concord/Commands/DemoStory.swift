import ConcordClient
import ConcordCore
import ConcordServer
import Foundation

/// The scripted story of `concord demo`, told on stdout step by step.
struct DemoStory {
    let server: RunningServer
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
        let team: [(String, Role)] = [("alice", .analyst), ("bob", .analyst), ("carol", .adjudicator)]
        var stores: [String: LocalStore] = [:]
        var tokens: [String: String] = [:]
        for (name, role) in team {
            let token = try await server.admin.addAnalyst(try AnalystName(name), role: role)
            tokens[name] = token
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

        step(3, "Alice codes the B-52 drill and syncs; Bob and Carol pull it")
        let drill = try alice.addEvent(
            EventDraft(
                values: [
                    "doc": reuters.id.rawValue, "title": "Joint air drill with a US B-52 strategic bomber",
                    "date": "2025-07-11", "country": "KOR",
                    "evidence": "conducted a joint air drill on Friday involving a U.S. B-52 strategic bomber",
                ], actors: ["United States", "Japan", "South Korea"], tags: ["b52"]))
        say("   alice: concord event add --doc \(reuters.id.id.prefix(7)) --title … → \(drill.rawValue)")
        for name in ["alice", "bob", "carol"] { try await sync(name, stores, tokens) }

        step(4, "Offline, Alice and Bob code the drill differently")
        let id = drill.rawValue
        try edit("alice", "event set \(short(drill)) type COOPERATE") {
            try alice.set(id, field: "type", value: "COOPERATE")
        }
        try edit("bob", "event set \(short(drill)) type MOBILIZE") { try bob.set(id, field: "type", value: "MOBILIZE") }
        try edit("alice", "event set \(short(drill)) location \"international waters\"") {
            try alice.set(id, field: "location", value: "international waters")
        }
        try edit("bob", "event set \(short(drill)) location \"Korean Peninsula\"") {
            try bob.set(id, field: "location", value: "Korean Peninsula")
        }
        try edit("alice", "event set \(short(drill)) confidence high") {
            try alice.set(id, field: "confidence", value: "high")
        }
        try edit("bob", "event set \(short(drill)) confidence high") {
            try bob.set(id, field: "confidence", value: "high")
        }
        try edit("alice", "event tag \(short(drill)) trilateral") {
            try alice.addElement(id, field: "tags", value: "trilateral")
        }
        try edit("bob", "event tag \(short(drill)) deterrence") {
            try bob.addElement(id, field: "tags", value: "deterrence")
        }
        try edit("bob", "event note \(short(drill)) \"A show of force aimed at North Korea\"") {
            try bob.note(id, text: "A show of force aimed at North Korea, not routine cooperation")
        }
        let talks = try bob.addEvent(
            EventDraft(
                values: [
                    "doc": ians.id.rawValue, "title": "Kim and Caine hold first video talks", "type": "CONSULT",
                    "date": "2025-05-20", "country": "KOR", "confidence": "high",
                ], actors: ["South Korea", "United States"]))
        say(
            "   bob: concord event add --doc \(ians.id.id.prefix(7)) --title \"Kim and Caine hold first video talks\" --type CONSULT"
        )
        let meeting = try carol.addEvent(
            EventDraft(
                values: [
                    "doc": reuters.id.rawValue, "title": "Trilateral chiefs of defence meet in Seoul",
                    "type": "CONSULT",
                    "location": "Seoul", "country": "KOR",
                ], actors: ["South Korea", "United States", "Japan"]))
        say(
            "   carol: concord event add --doc \(reuters.id.id.prefix(7)) --title \"Trilateral chiefs of defence meet in Seoul\" --type CONSULT"
        )
        _ = (talks, meeting)

        step(5, "Everyone syncs")
        for name in ["alice", "bob", "carol", "alice", "bob"] { try await sync(name, stores, tokens) }

        step(6, "Carol lists the conflicts (concord conflicts)")
        for conflict in try carol.conflictViews() {
            say("   \(conflict.entity.rawValue)  \"\(conflict.title ?? "")\"  field \(conflict.field)")
            if let evidence = conflict.evidence { say("     evidence: “\(evidence)”") }
            for c in conflict.candidates {
                say(
                    "     \(c.value.description.padding(toLength: 22, withPad: " ", startingAt: 0)) \(c.author)  \(c.hlc)  \(c.change.rawValue.prefix(13))"
                )
            }
        }

        step(7, "What each analyst sees (concord show \(short(drill)) --json is the same bytes on every replica)")
        var shown: Set<Data> = []
        for name in ["alice", "bob", "carol"] {
            let snapshot = try stores[name]!.event(id)
            shown.insert(JSONShapes.show(snapshot))
            let fields = ["type", "location", "confidence"].map { field -> String in
                guard let f = snapshot.fields[field] else { return "\(field)=–" }
                return "\(field)=\(f.value)" + (f.conflict ? " (conflict)" : f.agreement ? " (agreed)" : "")
            }
            say(
                "   \(name): " + fields.joined(separator: ", ") + ", tags="
                    + (snapshot.sets["tags"] ?? []).joined(separator: "+"))
        }
        say("   identical on all three replicas: \(shown.count == 1 ? "yes" : "NO")")
        if shown.count != 1 { throw DemoError("the replicas did not converge") }

        step(8, "Alice may not decide the dispute; Carol, the adjudicator, does")
        do {
            _ = try alice.resolve(id, field: "type", keep: nil, value: "COOPERATE", reason: "a joint exercise")
            throw DemoError("an analyst's resolution should have been refused")
        } catch let error as StoreError {
            say("   alice: concord resolve \(short(drill)) type --value COOPERATE → refused: \(error)")
        }
        let typeCandidates = try carol.event(id).fields["type"]?.candidates ?? []
        guard let cooperate = typeCandidates.first(where: { $0.value == .string("COOPERATE") }) else {
            throw DemoError("the type conflict should have a COOPERATE candidate")
        }
        let reason = "PLOVER codes joint military exercises as COOPERATE; the show of force is noted"
        _ = try carol.resolve(id, field: "type", keep: cooperate.change.rawValue, value: nil, reason: reason)
        say(
            "   carol: concord resolve \(short(drill)) type --keep \(cooperate.change.rawValue.prefix(13)) --reason \"\(reason)\""
        )
        for name in ["carol", "alice", "bob"] { try await sync(name, stores, tokens) }
        let open = try carol.conflictViews().map { "\($0.field) of \($0.entity.id.prefix(8))" }
        say("   still open for another day: " + (open.isEmpty ? "nothing" : open.joined(separator: ", ")))

        step(9, "The report (concord report)")
        let report = try carol.report(generatedAt: Date())
        say(report.markdown())
        let html = directory.appendingPathComponent("report.html")
        try Data(report.html().utf8).write(to: html)
        say()
        say("The HTML report is at \(html.path) (one self-contained page; open it in a browser).")
        say("Stores and the server database are in \(directory.path).")
    }

    private func short(_ id: EntityID) -> String { String(id.id.prefix(8)) }

    private func edit(_ name: String, _ command: String, _ body: () throws -> EditOutcome) throws {
        let outcome = try body()
        say("   \(name): concord \(command)" + (outcome.changes.isEmpty ? "  (nothing to write)" : ""))
    }

    private func sync(_ name: String, _ stores: [String: LocalStore], _ tokens: [String: String]) async throws {
        let engine = SyncEngine(
            store: stores[name]!, transport: HTTPTransport(server: server.url.absoluteString, token: tokens[name]!))
        let summary = try await engine.run()
        say("   \(name): concord sync → \(summary.description.dropFirst("sync: ".count))")
    }
}

struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
