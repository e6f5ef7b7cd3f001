import ConcordCore
import Foundation
import Testing

/// `concord match` suggestions (protocol.md §11): the documented score, the pairs never suggested, and blocking that
/// keeps 100 000 events tractable.
@Suite("Match scorer")
struct MatchScorerTests {
    static func event(
        _ id: String, _ creator: String, document: String? = "doc", type: String? = nil, date: String? = nil,
        actors: [String] = [], recipients: [String] = [], title: String = "", span: Range<Int>? = nil,
        cluster: String? = nil
    ) -> MatchEvent {
        MatchEvent(
            id: id, creator: creator, document: document, type: type, date: date, actors: actors,
            recipients: recipients, title: title, span: span, cluster: cluster ?? id)
    }

    /// The seeds' drill, as alice and bob coded it from one article.
    static let alice = event(
        "e-alice", "alice", type: "COOPERATE", date: "2025-07-11", actors: ["USA", "JPN", "KOR"],
        title: "Joint air drill with a US B-52", span: 100..<200)
    static let bob = event(
        "e-bob", "bob", type: "MOBILIZE", date: "2025-07", actors: ["USA", "KOR"], title: "B-52 trilateral air drill",
        span: 120..<200)
    static let unrelated = event(
        "e-carol", "carol", type: "PROTEST", date: "2024-03-02", actors: ["FRA"], title: "Farmers block Paris roads",
        span: 900..<950)

    @Test("the seeds' drill scores above 0.5 with overlapping spans, by the documented formula")
    func seedPair() {
        let s = MatchScorer.score(Self.alice, Self.bob)
        #expect(s.a == "e-alice" && s.b == "e-bob")
        #expect(s.reasons["content"] == 0.8)
        // COOPERATE is material cooperation, MOBILIZE material conflict.
        #expect(s.reasons["type"] == 0)
        // A month that holds the day: compatible, less precise.
        #expect(s.reasons["date"] == 0.6)
        // Names {united states, jpn, kor} and {united states, kor}: 2 of 3 meet, 2 of 2 meet.
        #expect(s.reasons["participants"] == 4.0 / 5)
        // {joint, air, drill, us, b, 52} and {b, 52, trilateral, air, drill}: "with" and "a" are stop words.
        #expect(s.reasons["title"] == 4.0 / 7)
        #expect(s.reasons["same_document"] == 1)
        let sum: Double = 3 * 0.8 + 1 * 0 + 2 * 0.8 + 2 * (4.0 / 7) + 2 * 0.6
        let expected = sum / 10
        #expect(abs(s.score - expected) < 1e-12)
        #expect(s.score > 0.5)
        #expect(s.score > MatchScorer.score(Self.alice, Self.unrelated).score)
        #expect(MatchScorer.score(Self.bob, Self.alice) == s)
    }

    @Test("an unrelated pair scores nothing, and every part is named")
    func unrelatedPair() {
        let s = MatchScorer.score(Self.alice, Self.unrelated)
        #expect(s.score == 0)
        // Every key always, the earlier `span` and `actors` among them (JSON keys are never removed).
        #expect(
            s.reasons.keys.sorted()
                == [
                    "actors", "content", "countries_differ", "date", "dates_contradict", "measured_date",
                    "measured_participants", "measured_type", "participants", "same_document", "span", "title",
                    "type",
                ])
        #expect(s.reasons["span"] == 0 && s.reasons["dates_contradict"] == 1)
        #expect(MatchScorer.score(Self.alice, Self.bob).reasons["span"] == 0.8)
    }

    @Test("a part one side lacks is left out of the mean, not counted as a disagreement")
    func missingParts() {
        let a = Self.event("a", "alice", title: "aid convoy reaches Gaza", span: 0..<40)
        let b = Self.event(
            "b", "bob", type: "AID", date: "2025-01-02", actors: ["UN"], title: "aid convoy", span: 0..<40)
        let s = MatchScorer.score(a, b)
        #expect(
            s.reasons["measured_type"] == 0 && s.reasons["measured_date"] == 0
                && s.reasons["measured_participants"] == 0)
        #expect(s.reasons["type"] == 0 && s.reasons["dates_contradict"] == 0)
        // {aid, convoy, reache, gaza} and {aid, convoy}.
        let expected: Double = (3 * 1 + 2 * 0.5) / 5
        #expect(abs(s.score - expected) < 1e-12)
    }

    @Test("across documents the quotes' and sentences' words stand in for the spans, weighing 2 instead of 3")
    func crossDocument() {
        let quote = "conducted a joint air drill on Friday involving a U.S. B-52 strategic bomber"
        var alice = Self.alice
        alice.evidence = quote
        var bob = Self.bob
        bob.document = "other"
        bob.evidence = quote + " and fighter jets"
        let s = MatchScorer.score(alice, bob)
        #expect(s.reasons["same_document"] == 0)
        // {conduct, joint, air, drill, friday, involv, u, s, b, 52, strategic, bomber} plus {fighter, jet}.
        let content = 12.0 / 14
        #expect(s.reasons["content"] == content)
        let sum: Double = 2 * content + 1 * 0 + 2 * 0.8 + 2 * (4.0 / 7) + 2 * 0.6
        let expected = sum / 9
        #expect(abs(s.score - expected) < 1e-12)
        #expect(s.score > 0.5)
        var twin = alice
        twin.id = "twin"
        twin.creator = "bob"
        twin.document = "other"
        #expect(abs(MatchScorer.score(alice, twin).score - 1) < 1e-12)
    }

    @Test("disjoint spans in one document lower the score: two happenings in one article")
    func disjointSpans() {
        var bob = Self.bob
        bob.span = 300..<400
        let s = MatchScorer.score(Self.alice, bob)
        #expect(s.reasons["content"] == 0)
        #expect(s.score < 0.5)
        // Different quotes of one sentence are one report.
        var alice = Self.alice
        alice.sentence = 90..<420
        bob.sentence = 90..<420
        #expect(MatchScorer.score(alice, bob).reasons["content"] == 1)
    }

    @Test("dates fit by how many days apart they are and how precise; a contradiction cuts the score to 0.3")
    func dates() {
        func date(_ x: String?, _ y: String?) -> Double? {
            let reasons = MatchScorer.score(Self.event("x", "p", date: x), Self.event("y", "q", date: y)).reasons
            return reasons["measured_date"] == 1 ? reasons["date"] : nil
        }
        #expect(date("2025-07-11", "2025-07-11") == 1)
        #expect(date("2025-07-11", "2025-07-12") == 0.7)
        #expect(date("2025-07-11", "2025-07-14") == 0.3)
        #expect(date("2025-07-11", "2025-07-15") == 0)
        #expect(date("2025-07", "2025-07-11") == 0.6)
        #expect(date("2025", "2025-07-11") == 0.4)
        #expect(date("2025-08", "2025-07-31") == 0.3)
        #expect(date("2025-08", "2025-07-11") == 0)
        #expect(date("2024", "2025-01-02") == 0.3)
        #expect(date("2024", "2025-01-05") == 0)
        #expect(date(nil, "2025") == nil)
        // Two rounds of one exercise series, coded alike but for the month: the dates contradict.
        var june = Self.alice
        june.date = "2024-06-27"
        var november = Self.bob
        november.type = "COOPERATE"
        november.actors = Self.alice.actors
        november.title = Self.alice.title
        november.date = "2024-06-27"
        let same = MatchScorer.score(june, november).score
        november.date = "2024-11-13"
        let other = MatchScorer.score(june, november)
        #expect(other.reasons["date"] == 0)
        let mean: Double = (same * 10 - 2 * 1) / 10  // the same parts with a date part of 0
        #expect(abs(other.score - 0.3 * mean) < 1e-12)
        #expect(other.score < 0.5 && same > 0.5)
    }

    @Test("different countries cut the score to 0.6; names are compared by their words, with common aliases")
    func countriesAndNames() {
        var a = Self.alice
        var b = Self.bob
        a.country = "KOR"
        b.country = "KOR"
        let same = MatchScorer.score(a, b)
        #expect(same.reasons["countries_differ"] == 0)
        b.country = "JPN"
        let other = MatchScorer.score(a, b)
        #expect(other.reasons["countries_differ"] == 1)
        #expect(abs(other.score - 0.6 * same.score) < 1e-12)
        #expect(MatchText.actorWords("U.S.") == MatchText.actorWords("United States"))
        #expect(MatchText.actorWords("South Korean military") == ["korea", "military", "south"])
        let names = MatchScorer.score(
            Self.event("x", "p", actors: ["South Korea"], recipients: ["North Korea"]),
            Self.event("y", "q", actors: ["North Korean foreign ministry", "South Korea"]))
        // South Korea meets itself (1); North Korea meets {north, korea, foreign, ministry} (2/4), both ways.
        let participants: Double = (1 + 0.5 + 0.5 + 1) / 4
        #expect(names.reasons["participants"] == participants)
    }

    @Test("suggestions leave out pairs by one creator and pairs already in one cluster, best first")
    func exclusions() {
        let twin = Self.event(
            "e-alice-2", "alice", type: "COOPERATE", date: "2025-07-11", actors: ["USA", "JPN", "KOR"],
            title: "Joint air drill with a US B-52", span: 100..<200)
        let linked = Self.event(
            "e-dave", "dave", type: "COOPERATE", date: "2025-07-11", actors: ["USA", "JPN", "KOR"],
            title: "Joint air drill with a US B-52", span: 100..<200, cluster: "e-alice")
        var alice = Self.alice
        alice.cluster = "e-alice"
        let found = MatchScorer.suggestions([alice, Self.bob, twin, linked, Self.unrelated])
        let pairs = found.map { "\($0.a) \($0.b)" }
        #expect(!pairs.contains("e-alice e-alice-2"))
        #expect(!pairs.contains("e-alice e-dave"))
        #expect(pairs.contains("e-alice e-bob"))
        #expect(pairs.first == "e-alice-2 e-dave")
        #expect(found.allSatisfy { $0.score >= 0.5 && $0.a < $0.b })
        #expect(zip(found, found.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(MatchScorer.suggestions([alice, Self.bob, twin, linked], limit: 1).map(\.a) == ["e-alice-2"])
        #expect(MatchScorer.suggestions([alice, Self.bob, twin, linked], minimum: 1.01).isEmpty)
    }

    @Test("a dismissed pair is never suggested, in either direction")
    func dismissed() {
        var alice = Self.alice
        #expect(MatchScorer.suggestions([alice, Self.bob]).count == 1)
        alice.distinct = ["e-bob"]
        #expect(MatchScorer.suggestions([alice, Self.bob]).isEmpty)
        var bob = Self.bob
        bob.distinct = ["e-alice"]
        #expect(MatchScorer.suggestions([Self.alice, bob]).isEmpty)
    }

    @Test("an event is suggested with the other coder's best fits in each article, not with every fair one")
    func competition() {
        let quote = "conducted a joint air drill on Friday involving a U.S. B-52 strategic bomber"
        var alice = Self.alice
        alice.evidence = quote
        // Bob's events of the same article: the drill, and the chiefs' meeting held that day by the same allies.
        var drill = Self.bob
        drill.evidence = quote
        let meeting = Self.event(
            "e-bob-meeting", "bob", type: "CONSULT", date: "2025-07-11", actors: ["USA", "JPN", "KOR"],
            title: "Trilateral chiefs meet in Seoul during the air drill", span: 150..<250)
        // Bob's drill as another outlet reported it.
        var elsewhere = drill
        elsewhere.id = "e-bob-2"
        elsewhere.document = "other"
        elsewhere.span = nil
        let events = [alice, drill, meeting, elsewhere]
        #expect(MatchScorer.score(alice, meeting).score >= 0.5, "the meeting fits fairly on its own")
        let pairs = Set(MatchScorer.suggestions(events).map { "\($0.a) \($0.b)" })
        #expect(pairs == ["e-alice e-bob", "e-alice e-bob-2"])
        // Once bob's drill is linked to alice's, the meeting still does not compete with it.
        alice.cluster = "e-alice"
        drill.cluster = "e-alice"
        let after = Set(MatchScorer.suggestions([alice, drill, meeting, elsewhere]).map { "\($0.a) \($0.b)" })
        #expect(after == ["e-alice e-bob-2"])
    }

    @Test("ties are ordered by a, then b")
    func ties() {
        let events = ["d", "b", "c", "a"].map { id in
            Self.event(id, "coder-\(id)", type: "AID", date: "2025-01", title: "aid convoy")
        }
        let found = MatchScorer.suggestions(events)
        #expect(found.map { "\($0.a)\($0.b)" } == ["ab", "ac", "ad", "bc", "bd", "cd"])
    }

    @Test("with a document, only pairs with an event in it are suggested")
    func documentFilter() {
        let events = [
            Self.event("a1", "alice", document: "d1", type: "AID", date: "2025-01", title: "aid convoy"),
            Self.event("b1", "bob", document: "d1", type: "AID", date: "2025-01", title: "aid convoy"),
            Self.event("b2", "bob", document: "d2", type: "AID", date: "2025-01", title: "aid convoy"),
            Self.event("c2", "carol", document: "d2", type: "AID", date: "2025-01", title: "aid convoy"),
            Self.event("c3", "carol", document: "d3", type: "AID", date: "2025-01", title: "aid convoy"),
        ]
        let all = Set(MatchScorer.suggestions(events).map { "\($0.a) \($0.b)" })
        #expect(all == ["a1 b1", "a1 b2", "a1 c2", "a1 c3", "b1 c2", "b1 c3", "b2 c2", "b2 c3"])
        let inD1 = MatchScorer.suggestions(events, document: "d1").map { "\($0.a) \($0.b)" }
        #expect(Set(inD1) == ["a1 b1", "a1 b2", "a1 c2", "a1 c3", "b1 c2", "b1 c3"])
        #expect(inD1.count == 6)
        #expect(MatchScorer.suggestions(events, document: "none").isEmpty)
    }

    @Test("the JSON lists each suggestion with its score, reasons, titles, creators and documents")
    func json() throws {
        let text = MatchScorer.json(
            [MatchScorer.score(Self.alice, Self.bob)], events: ["e-alice": Self.alice, "e-bob": Self.bob])
        let items = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(items.count == 1)
        #expect(Set(items[0].keys) == ["a", "b", "score", "reasons", "titles", "creators", "docs"])
        #expect(items[0]["a"] as? String == "e-alice")
        let reasons = try #require(items[0]["reasons"] as? [String: Double])
        #expect(reasons["content"] == 0.8)
        #expect(items[0]["titles"] as? [String: String] == ["a": Self.alice.title, "b": Self.bob.title])
        #expect(items[0]["creators"] as? [String: String] == ["a": "alice", "b": "bob"])
        #expect(items[0]["docs"] as? [String: String] == ["a": "doc", "b": "doc"])
        #expect(MatchScorer.json([]) == "[]\n")
    }

    @Test("100 000 events are matched through blocks, with sane results")
    func manyEvents() {
        var random = SplitMix(seed: 7)
        let types = ["AID", "AGREE", "CONSULT", "COOPERATE", "MOBILIZE", "PROTEST", "THREATEN"]
        let actors = (0..<40).map { "actor\($0)" }
        let words = (0..<3_000).map { "w\($0)" }
        var events: [MatchEvent] = []
        for i in 0..<100_000 {
            let document = "doc\(i / 5)"
            let happening = i / 10
            let title =
                (0..<4).map { _ in words[Int(random.next() % UInt64(words.count))] }
                + ["drill", "the", "talks"] + ["h\(happening)"]
            let start = Int(random.next() % 500)
            events.append(
                MatchEvent(
                    id: String(format: "e%06d", i), creator: "coder\(i % 4)", document: document,
                    type: types[Int(random.next() % UInt64(types.count))],
                    date: String(format: "2025-%02d-%02d", happening % 12 + 1, happening % 28 + 1),
                    actors: [actors[happening % 40], actors[Int(random.next() % 40)]],
                    title: title.joined(separator: " "),
                    span: start..<(start + 80), cluster: String(format: "e%06d", i)))
        }
        let found = MatchScorer.suggestions(events, minimum: 0.4)
        #expect(!found.isEmpty)
        #expect(found.allSatisfy { $0.score >= 0.4 && $0.score <= 1 && $0.a < $0.b })
        #expect(zip(found, found.dropFirst()).allSatisfy { $0.score >= $1.score })
        let creators = Dictionary(uniqueKeysWithValues: events.map { ($0.id, $0.creator) })
        #expect(found.allSatisfy { creators[$0.a] != creators[$0.b] })
        #expect(Set(found.map { "\($0.a) \($0.b)" }).count == found.count)
    }
}

/// A small seeded generator, so the large test sees the same events every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
