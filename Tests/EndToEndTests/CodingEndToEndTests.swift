import ConcordStore
import ConcordCore
import ConcordServer
import Foundation
import Testing

/// Two analysts code both seed articles independently through a real server; `concord match` finds the events they
/// share, they link them, an adjudicator resolves the linked events' disagreements, and agreement is measured
/// (protocol.md §11). Expected figures are computed by hand in the test.
@Suite("Coding end to end", .serialized)
struct CodingEndToEndTests {
    struct Coded {
        var drill: EntityID
        var meeting: EntityID
        var talks: EntityID
    }

    static let drillQuote = "conducted a joint air drill on Friday involving a U.S. B-52 strategic bomber"

    static func documents(_ store: LocalStore) throws -> (reuters: EntityID, ians: EntityID) {
        let docs = try store.documents()
        let reuters = try #require(docs.first { $0.title?.contains("air drill") == true }).id
        let ians = try #require(docs.first { $0.id != reuters }).id
        return (reuters, ians)
    }

    static func event(
        _ store: LocalStore, _ doc: EntityID, _ title: String, type: String, date: String?, actors: [String],
        evidence: String, confidence: String? = nil
    ) throws -> EntityID {
        var values = ["doc": doc.rawValue, "title": title, "type": type, "evidence": evidence]
        if let date { values["date"] = date }
        if let confidence { values["confidence"] = confidence }
        return try store.addEvent(EventDraft(values: values, actors: actors))
    }

    /// Alice codes four events (one only she saw), Bob three, each on their own.
    static func codeIndependently(_ cluster: Cluster) throws -> (alice: Coded, bob: Coded, rubio: EntityID) {
        let alice = cluster.store("alice")
        let bob = cluster.store("bob")
        for store in [alice, bob] { _ = try store.importArticles(Cluster.seeds) }
        let (reuters, ians) = try documents(alice)
        let allies = ["United States", "Japan", "South Korea"]
        let a = Coded(
            drill: try event(
                alice, reuters, "Joint air drill with a US B-52", type: "COOPERATE", date: "2025-07-11",
                actors: allies, evidence: drillQuote, confidence: "high"),
            meeting: try event(
                alice, reuters, "Trilateral chiefs of defence meet in Seoul", type: "CONSULT", date: "2025-07-11",
                actors: allies,
                evidence: "The three countries’ defence chiefs also held an annual meeting in Seoul on Friday"),
            talks: try event(
                alice, ians, "Kim and Caine hold first video talks", type: "CONSULT", date: "2025-05-20",
                actors: ["South Korea", "United States"], evidence: "held the talks Tuesday"))
        let rubio = try event(
            alice, reuters, "Rubio meets Iwaya and Park in Kuala Lumpur", type: "CONSULT", date: nil,
            actors: ["Marco Rubio", "Takeshi Iwaya", "Park Yoon-joo"],
            evidence: "Marco Rubio also met Japanese Foreign Minister Takeshi Iwaya")
        let b = Coded(
            drill: try event(
                bob, reuters, "B-52 trilateral air drill", type: "MOBILIZE", date: "2025-07",
                actors: ["United States", "South Korea"],
                evidence: drillQuote + " and fighter jets of the three allies", confidence: "high"),
            meeting: try event(
                bob, ians, "Trilateral chiefs of defence meeting planned in South Korea", type: "CONSULT",
                date: "2025-07", actors: ["South Korea", "United States", "Japan"],
                evidence: "Trilateral Chief of Defense meeting set to take place in South Korea in July"),
            talks: try event(
                bob, ians, "JCS chiefs video talks", type: "CONSULT", date: "2025-05-20",
                actors: ["United States", "South Korea"], evidence: "held the talks Tuesday, which marked the first"))
        return (a, b, rubio)
    }

    @Test("independent coding, match, link, cluster disagreements, a cluster resolution, α and F1 by hand")
    func codingStory() async throws {
        try await Cluster.with { cluster in
            try await cluster.analyst("alice")
            try await cluster.analyst("bob")
            try await cluster.analyst("carol", role: .adjudicator)
            let (a, b, rubio) = try Self.codeIndependently(cluster)
            try await cluster.syncAll()
            let alice = cluster.store("alice")
            let bob = cluster.store("bob")
            let carol = cluster.store("carol")

            // Before any link there is nothing to compare and no conflict.
            #expect(try carol.conflictViews().isEmpty)
            #expect(try carol.clusterDisagreements().isEmpty)
            #expect(try carol.agreement().fields.allSatisfy { $0.units == 0 && $0.alpha == nil })

            // match proposes the three shared happenings, best first, and nothing of Alice's Rubio meeting.
            let pairs = { (s: [MatchSuggestion]) in s.map { Set([$0.a, $0.b]) } }
            let suggestions = try alice.matchSuggestions(minimum: 0.5)
            let expected: [Set<String>] = [
                [a.drill.rawValue, b.drill.rawValue], [a.meeting.rawValue, b.meeting.rawValue],
                [a.talks.rawValue, b.talks.rawValue],
            ]
            #expect(Set(pairs(suggestions)) == Set(expected), "\(suggestions)")
            #expect(!suggestions.contains { $0.a == rubio.rawValue || $0.b == rubio.rawValue })
            #expect(suggestions.map(\.score) == suggestions.map(\.score).sorted(by: >))
            let drillPair = try #require(suggestions.first { Set([$0.a, $0.b]) == expected[0] })
            #expect(drillPair.reasons["content"]! > 0.5, "the two quotes overlap in the Reuters text")
            #expect(drillPair.reasons["type"] == 0)
            #expect(drillPair.reasons["date"] == 0.6, "bob's month holds alice's day")
            // Across agencies there is no span to compare, and the pair is still found.
            let meetingPair = try #require(suggestions.first { Set([$0.a, $0.b]) == expected[1] })
            #expect(meetingPair.reasons["same_document"] == 0)
            // A scan of one document only keeps pairs touching it.
            let (reuters, _) = try Self.documents(alice)
            #expect(
                Set(pairs(try alice.matchSuggestions(doc: reuters.rawValue, minimum: 0.5)))
                    == [expected[0], expected[1]])

            // Alice links the three pairs; Bob hears about it and about the disagreements the links reveal.
            for (x, y) in [(a.drill, b.drill), (a.meeting, b.meeting), (a.talks, b.talks)] {
                #expect(try alice.link(x.rawValue, to: [y.rawValue]).changes.count == 1)
            }
            try await cluster.sync("alice")
            let bobSync = try await cluster.sync("bob")
            #expect(
                bobSync.news.lines.contains(
                    "alice disagrees with your coding on 2 events (actors, date, type); run concord conflicts"))
            #expect(bobSync.news.lines.contains { $0.hasPrefix("alice linked 3 pairs") })
            #expect(bobSync.description.contains("alice disagrees with your coding on 2 events"))
            try await cluster.syncAll()
            #expect(try alice.matchSuggestions(minimum: 0.5).isEmpty, "linked pairs are never suggested again")

            // Cluster disagreements: the drill's type, date and actors (alice named Japan too), the meeting's date; the
            // talks agree.
            let disagreements = try carol.clusterDisagreements()
            let drillCluster = min(a.drill.rawValue, b.drill.rawValue)
            let meetingCluster = min(a.meeting.rawValue, b.meeting.rawValue)
            #expect(
                Set(disagreements.map { "\($0.cluster.rawValue) \($0.field)" })
                    == [
                        "\(drillCluster) type", "\(drillCluster) date", "\(drillCluster) actors",
                        "\(meetingCluster) date",
                    ])
            let actors = try #require(disagreements.first { $0.field == "actors" })
            #expect(actors.candidates.map(\.author.rawValue) == ["alice", "bob"])
            #expect(actors.candidates.map { $0.elements?.count } == [3, 2])
            let type = try #require(disagreements.first { $0.field == "type" })
            #expect(type.candidates.map(\.author.rawValue) == ["alice", "bob"])
            #expect(type.candidates.map(\.value) == [.string("COOPERATE"), .string("MOBILIZE")])
            #expect(try alice.clusterDisagreements() == disagreements, "every replica computes the same clusters")
            // The conflict report lists them as open items, with the members' titles.
            let before = try carol.report(generatedAt: nil)
            #expect(
                Set(before.clusterDisagreements.map { "\($0.cluster.rawValue) \($0.field)" })
                    == [
                        "\(drillCluster) type", "\(drillCluster) date", "\(drillCluster) actors",
                        "\(meetingCluster) date",
                    ])
            #expect(before.clusterDisagreements.allSatisfy { $0.candidates.allSatisfy { $0.title != nil } })
            #expect(before.markdown().contains("## Cluster disagreements (4)"))
            #expect(try alice.report(generatedAt: nil).json() == before.json(), "every replica reports the same")

            // Bob may not replace Alice's vote; Carol resolves the drill's type on Bob's member, for both members.
            #expect(throws: StoreError.self) {
                try bob.resolve(b.drill.rawValue, field: "type", keep: nil, value: "COOPERATE", reason: "x")
            }
            #expect(throws: StoreError.self) {
                try carol.resolve(b.drill.rawValue, field: "type", keep: nil, value: "COOPERATE", reason: nil)
            }
            let resolution = try carol.resolve(
                b.drill.rawValue, field: "type", keep: type.candidates[0].change.rawValue, value: nil,
                reason: "PLOVER codes joint exercises as COOPERATE")
            #expect(Set(resolution.changes.map(\.entity)) == [a.drill, b.drill])
            let aliceSync = try await cluster.sync("carol")
            #expect(aliceSync.rejected == 0, "the server accepts a cluster resolution with its reason")
            try await cluster.syncAll()
            for store in [alice, bob, carol] {
                #expect(try store.event(a.drill.rawValue).fields["type"]?.value == .string("COOPERATE"))
                #expect(try store.event(b.drill.rawValue).fields["type"]?.value == .string("COOPERATE"))
                #expect(try store.event(b.drill.rawValue).fields["type"]?.conflict == false)
            }
            #expect(
                Set(try bob.clusterDisagreements().map { "\($0.cluster.rawValue) \($0.field)" })
                    == ["\(drillCluster) date", "\(drillCluster) actors", "\(meetingCluster) date"])
            #expect(try bob.report(generatedAt: nil).markdown().contains("## Cluster disagreements (3)"))

            // Agreement counts the coders' own votes, never the resolution.
            let report = try bob.agreement()
            #expect(try alice.agreement() == report, "every replica measures the same agreement")
            let field = { (name: String) in report.fields.first { $0.name == name }! }
            // type, nominal over 3 units: (COOPERATE, MOBILIZE), (CONSULT, CONSULT), (CONSULT, CONSULT).
            // D_o = 2/6; D_e = (6² − (1 + 1 + 4²)) / (6·5) = 18/30; α = 1 − (2/6)/(18/30) = 4/9.
            #expect(field("type").units == 3)
            #expect(abs(field("type").alpha! - 4.0 / 9.0) < 1e-9)
            #expect(abs(field("type").percentAgreement! - 2.0 / 3.0) < 1e-9)
            // date, interval on day numbers: 2025-07-11 = J+10, 2025-07 = J (July 1), 2025-05-20 = J−42.
            // D_o = (2·10² + 2·10² + 0)/6; D_e = 2·(2·2·10² + 2·2·52² + 2·2·42²)/(6·5).
            let dateObserved: Double = 400.0 / 6
            let dateExpected: Double = 2 * (4 * 100.0 + 4 * 2704.0 + 4 * 1764.0) / 30
            let dateAlpha: Double = 1 - dateObserved / dateExpected
            #expect(field("date").units == 3)
            #expect(abs(field("date").alpha! - dateAlpha) < 1e-9)
            // actors, MASI: {US, JP, KR} vs {US, KR} is a subset (M = 2/3, J = 2/3, d = 5/9); the others are equal.
            // D_o = 2·(5/9)/6; three of each set: D_e = 2·3·3·(5/9)/(6·5) = 1/3; α = 1 − (10/54)/(1/3) = 4/9.
            #expect(abs(field("actors").alpha! - 4.0 / 9.0) < 1e-9)
            // confidence: one unit, both high: no variation, α undefined, agreement 100%.
            #expect(field("confidence").units == 1)
            #expect(field("confidence").alpha == nil)
            #expect(field("confidence").percentAgreement == 1)
            #expect(field("location").units == 0 && field("location").alpha == nil)
            // Detection: both coded both documents; Alice 4 events, Bob 3, 3 matched clusters: F1 = 2·3/(4+3).
            let pair = try #require(report.pairs.first)
            #expect(report.pairs.count == 1 && pair.a == "alice" && pair.b == "bob")
            #expect(abs(pair.detectionF1! - 6.0 / 7.0) < 1e-9)
            #expect(pair.typeConfusion["COOPERATE"]?["MOBILIZE"] == 1)
            #expect(pair.typeConfusion["CONSULT"]?["CONSULT"] == 2)

            // The JSON carries the reliability data: one row per coder, one column per unit.
            let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any]
            let fields = json["fields"] as! [String: Any]
            let typeJSON = fields["type"] as! [String: Any]
            let reliability = typeJSON["reliability"] as! [String: Any]
            #expect(reliability["coders"] as? [String] == ["alice", "bob"])
            #expect((reliability["units"] as? [String])?.count == 3)
            #expect(typeJSON["level"] as? String == "nominal")

            // Exports write one record per cluster: 3 linked pairs and Alice's lone Rubio meeting.
            var lines: [String] = []
            try bob.export(.plover) { lines.append($0) }
            let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            #expect(records.count == 4)
            let drillRecord = try #require(records.first { $0["id"] as? String == drillCluster })
            let concord = try #require(drillRecord["concord"] as? [String: Any])
            #expect(Set(concord["members"] as? [String] ?? []) == [a.drill.rawValue, b.drill.rawValue])
            #expect(drillRecord["coder"] as? String == "alice, bob")
            #expect(drillRecord["event"] as? [String] == ["COOPERATE"], "the resolution made the members agree")
            let disputed = try #require(concord["disputed"] as? [String: [[String: Any]]])
            #expect(Set(disputed.keys) == ["date", "actor"], "the members still show different dates and actors")
            #expect(disputed["date"]?.count == 2, "both dates, each with its coder")
            var csv: [String] = []
            try bob.export(.csv) { csv.append($0) }
            #expect(csv.count == 1 + 4)
        }
    }

    @Test("bad input to link, match and resolve is refused with a clear message and nothing written")
    func badInput() async throws {
        try await Cluster.with { cluster in
            try await cluster.analyst("alice")
            try await cluster.analyst("bob")
            let (a, b, _) = try Self.codeIndependently(cluster)
            try await cluster.syncAll()
            let alice = cluster.store("alice")
            let before = try alice.allChanges().count
            let (reuters, _) = try Self.documents(alice)
            let cases: [(String, () throws -> Void)] = [
                ("itself", { _ = try alice.link(a.drill.rawValue, to: [a.drill.rawValue]) }),
                ("document", { _ = try alice.link(a.drill.rawValue, to: [reuters.rawValue]) }),
                ("unknown", { _ = try alice.link(a.drill.rawValue, to: ["ffffffff"]) }),
                ("not linked", { _ = try alice.unlink(a.drill.rawValue, b.drill.rawValue) }),
            ]
            for (name, body) in cases {
                #expect(throws: StoreError.self, "\(name)") { try body() }
            }
            _ = try alice.delete(a.talks.rawValue)
            let afterDelete = try alice.allChanges().count
            let deleted = #expect(throws: StoreError.self) {
                _ = try alice.link(b.talks.rawValue, to: [a.talks.rawValue])
            }
            #expect(deleted?.description.contains("deleted") == true)
            #expect(try alice.allChanges().count == afterDelete)
            #expect(afterDelete == before + 1)
            // With nothing linked, agreement is undefined but not an error.
            #expect(try alice.agreement().text().contains("α is undefined"))
        }
    }
}
