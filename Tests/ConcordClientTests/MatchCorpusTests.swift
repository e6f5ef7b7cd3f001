import ConcordCore
import ConcordStore
import Foundation
import Testing

/// `concord match` on real articles coded twice independently (`Tests/Corpus`): 20 articles from 19 outlets, two
/// coders who did not see each other's work (78 and 83 events), and 221 gold pairs of events that report one
/// happening, labelled by hand (`coding/gold-pairs.json` says how). The targets are the product's promise to a team
/// that double-codes: at the default threshold, at least 9 in 10 suggestions are right and at least 9 in 10 true
/// pairs are suggested.
@Suite("Match on a labelled corpus")
struct MatchCorpusTests {
    static let corpus = repositoryRoot + "/Tests/Corpus"

    /// Precision and recall at `concord match`'s default threshold, and the average precision of its ranking.
    struct Figures: CustomStringConvertible {
        var suggested = 0
        var correct = 0
        var gold = 0
        var averagePrecision = 0.0
        var precision: Double { suggested == 0 ? 0 : Double(correct) / Double(suggested) }
        var recall: Double { gold == 0 ? 0 : Double(correct) / Double(gold) }
        var description: String {
            String(
                format: "precision %.3f (%d/%d), recall %.3f (%d/%d), average precision %.3f", precision, correct,
                suggested, recall, correct, gold, averagePrecision)
        }
    }

    /// Two coders' stores, each with every article and its own events, then each other's (as a sync brings them);
    /// the figures are measured on alice's.
    static func measure() throws -> Figures {
        let dir = TempDir()
        let articles = try FileManager.default.contentsOfDirectory(atPath: corpus + "/articles")
            .filter { $0.hasSuffix(".txt") }.sorted()
        let alice = try makeStore(dir, name: "alice.sqlite", analyst: "alice", seed: 1)
        let bob = try makeStore(dir, name: "bob.sqlite", analyst: "bob", seed: 2)
        var lines: [String: (coder: String, line: Int)] = [:]
        for (coder, store, file) in [("a", alice, "coder-a.jsonl"), ("b", bob, "coder-b.jsonl")] {
            let imported = try store.importArticles(articles.map { corpus + "/articles/" + $0 })
            let documents = Dictionary(uniqueKeysWithValues: zip(articles, imported.map(\.id.rawValue)))
            // The coders name articles by file; the store by document id.
            let rows = try String(contentsOfFile: corpus + "/coding/" + file, encoding: .utf8)
                .split(separator: "\n").map { line -> String in
                    var object = try #require(
                        try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                    object["doc"] = try #require(documents[object["doc"] as? String ?? ""])
                    return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
                }
            let path = dir.write(file, rows.joined(separator: "\n"))
            for (offset, id) in try store.importEvents(from: path).enumerated() {
                lines[id.rawValue] = (coder, offset + 1)
            }
        }
        try exchange(bob, alice)
        let gold =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: corpus + "/coding/gold-pairs.json"))) as? [String: Any]
        let pairs = Set(
            try #require(gold?["pairs"] as? [[Int]]).map { "a\($0[0])~b\($0[1])" })
        func key(_ suggestion: MatchSuggestion) -> String {
            let (x, y) = (lines[suggestion.a]!, lines[suggestion.b]!)
            let (a, b) = x.coder == "a" ? (x, y) : (y, x)
            return "a\(a.line)~b\(b.line)"
        }
        var figures = Figures(gold: pairs.count)
        let suggested = try alice.matchSuggestions()
        figures.suggested = suggested.count
        figures.correct = suggested.filter { pairs.contains(key($0)) }.count
        // Average precision of the whole ranking (every pair that reaches any score).
        var hits = 0
        for (rank, suggestion) in try alice.matchSuggestions(minimum: 0.01).enumerated()
        where pairs.contains(key(suggestion)) {
            hits += 1
            figures.averagePrecision += Double(hits) / Double(rank + 1)
        }
        figures.averagePrecision /= Double(pairs.count)
        return figures
    }

    static func exchange(_ from: LocalStore, _ to: LocalStore) throws {
        let changes = try from.allChanges().enumerated().map {
            Wire.SequencedChange(seq: Int64($0.offset + 1), change: $0.element)
        }
        _ = try to.applyPulled(changes, cursor: Int64(changes.count))
    }

    @Test("at the default threshold, precision and recall are both at least 0.90")
    func precisionAndRecall() throws {
        let figures = try Self.measure()
        print("match corpus: \(figures)")
        #expect(figures.gold >= 60, "the corpus holds at least 60 true pairs")
        #expect(figures.precision >= 0.9, "\(figures)")
        #expect(figures.recall >= 0.9, "\(figures)")
    }
}
