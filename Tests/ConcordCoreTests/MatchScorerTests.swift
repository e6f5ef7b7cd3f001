import ConcordCore
import Foundation
import Testing

/// `concord match` suggestions (protocol.md §11): the documented score, the pairs never suggested, and blocking that
/// keeps 100 000 events tractable.
@Suite("Match scorer")
struct MatchScorerTests {
    static func event(
        _ id: String, _ creator: String, document: String? = "doc", type: String? = nil, date: String? = nil,
        actors: [String] = [], title: String = "", span: Range<Int>? = nil, cluster: String? = nil
    ) -> MatchEvent {
        MatchEvent(
            id: id, creator: creator, document: document, type: type, date: date, actors: actors, title: title,
            span: span, cluster: cluster ?? id)
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
        #expect(s.reasons["span"] == 0.8)
        #expect(s.reasons["type"] == 0)
        #expect(s.reasons["date"] == 1)
        #expect(s.reasons["actors"] == 2.0 / 3)
        // {joint, air, drill, us, b, 52} and {b, 52, trilateral, air, drill}: "with" and "a" are stop words.
        #expect(s.reasons["title"] == 4.0 / 7)
        #expect(s.reasons["same_document"] == 1)
        let expected = 0.35 * 0.8 + 0.15 * 0 + 0.15 * 1 + 0.20 * (2.0 / 3) + 0.15 * (4.0 / 7)
        #expect(abs(s.score - expected) < 1e-12)
        #expect(s.score > 0.5)
        #expect(s.score > MatchScorer.score(Self.alice, Self.unrelated).score)
        #expect(MatchScorer.score(Self.bob, Self.alice) == s)
    }

    @Test("an unrelated pair scores nothing")
    func unrelatedPair() {
        let s = MatchScorer.score(Self.alice, Self.unrelated)
        #expect(s.score == 0)
        #expect(s.reasons.keys.sorted() == ["actors", "date", "same_document", "span", "title", "type"])
    }

    @Test("across documents the other parts are rescaled to at most 0.9, so the seeds' drill is still suggested")
    func crossDocument() {
        var bob = Self.bob
        bob.document = "other"
        let s = MatchScorer.score(Self.alice, bob)
        #expect(s.reasons["span"] == 0)
        #expect(s.reasons["same_document"] == 0)
        let expected = 0.9 / 0.65 * (0.15 * 1 + 0.20 * (2.0 / 3) + 0.15 * (4.0 / 7))
        #expect(abs(s.score - expected) < 1e-12)
        #expect(s.score > 0.5)
        var twin = Self.alice
        twin.id = "twin"
        twin.creator = "bob"
        twin.document = "other"
        #expect(abs(MatchScorer.score(Self.alice, twin).score - 0.9) < 1e-12)
        twin.document = "doc"
        #expect(abs(MatchScorer.score(Self.alice, twin).score - 1) < 1e-12)
    }

    @Test("disjoint spans in one document lower the score: two happenings in one article")
    func disjointSpans() {
        var bob = Self.bob
        bob.span = 300..<400
        let s = MatchScorer.score(Self.alice, bob)
        #expect(s.reasons["span"] == 0)
        #expect(s.score < 0.5)
    }

    @Test("dates are compatible when one is a prefix of the other")
    func dates() {
        func date(_ x: String?, _ y: String?) -> Double? {
            MatchScorer.score(Self.event("x", "p", date: x), Self.event("y", "q", date: y)).reasons["date"]
        }
        #expect(date("2025", "2025-07-11") == 1)
        #expect(date("2025-07-11", "2025-07-11") == 1)
        #expect(date("2025-07-11", "2025-07-12") == 0)
        #expect(date("2025-08", "2025-07-11") == 0)
        #expect(date(nil, "2025") == 0)
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

    @Test("the JSON lists each suggestion with its score and reasons")
    func json() throws {
        let text = MatchScorer.json([MatchScorer.score(Self.alice, Self.bob)])
        let items = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(items.count == 1)
        #expect(Set(items[0].keys) == ["a", "b", "score", "reasons"])
        #expect(items[0]["a"] as? String == "e-alice")
        let reasons = try #require(items[0]["reasons"] as? [String: Double])
        #expect(reasons["span"] == 0.8)
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
