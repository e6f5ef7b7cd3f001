/// Suggests pairs of events by different analysts that likely report the same happening (`concord match`,
/// protocol.md §11).
public enum MatchScorer {
    /// Weights of the parts when both events are in one document and both have an evidence span.
    static let spanWeight = 0.35
    static let typeWeight = 0.15
    static let dateWeight = 0.15
    static let actorsWeight = 0.20
    static let titleWeight = 0.15
    /// The most a pair without comparable spans can score.
    static let withoutSpanCeiling = 0.9

    /// Words too common to say anything about a title.
    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "into", "is", "it",
        "its", "of", "on", "or", "over", "says", "said", "that", "the", "this", "to", "was", "were", "with",
    ]

    /// How likely `a` and `b` report the same happening, from 0 to 1, with each part's value in `reasons`.
    ///
    /// The parts, each in 0...1:
    /// - `same_document`: 1 when both have the same (non-nil) document.
    /// - `span`: intersection over union of the two evidence spans, when in the same document and both have a
    ///   non-empty span; else 0.
    /// - `type`: 1 when both types are given and equal.
    /// - `date`: 1 when both dates are given and one is a prefix of the other (`2025-07` and `2025-07-11`).
    /// - `actors`: the Jaccard index of the actor sets (0 when both are empty).
    /// - `title`: the Jaccard index of the titles' word sets: lowercased runs of letters and digits, less a short
    ///   list of English stop words (`a`, `the`, `with`, …), so `B-52` gives `b` and `52` (0 when both are empty).
    ///
    /// When both spans are comparable (same document, both spans given):
    /// `score = 0.35·span + 0.15·type + 0.15·date + 0.20·actors + 0.15·title`.
    /// Otherwise (different documents, or a span missing) the other parts are rescaled to at most 0.9:
    /// `score = (0.9 / 0.65)·(0.15·type + 0.15·date + 0.20·actors + 0.15·title)`,
    /// so a pair whose evidence overlaps can outrank any pair without it, and a pair in one document whose spans
    /// are disjoint (two happenings in one article) scores at most 0.65.
    ///
    /// The result has `a < b` whatever the argument order; the creators and clusters are not looked at here.
    public static func score(_ a: MatchEvent, _ b: MatchEvent) -> MatchSuggestion {
        var interners = Interners()
        let (first, second) = a.id <= b.id ? (a, b) : (b, a)
        return score(Prepared(first, interners: &interners), Prepared(second, interners: &interners))
    }

    /// The suggestions scoring at least `minimum`, best first, ties by `(a, b)`, at most `limit` of them.
    ///
    /// Only pairs of different creators and different clusters are suggested. With `document`, only pairs with
    /// at least one event in it.
    ///
    /// Pairs are not all compared: candidates share a *block*, that is the same document, a title word, or the
    /// month of their dates (`YYYY-MM`, the first seven characters of a date that has them). A title-word or month
    /// block of more than ``blockCap`` events (a common word, a busy month), and a document of more than
    /// ``documentBlockCap`` events, is skipped, which keeps the work linear in the number of events; a pair that
    /// shares only skipped blocks is not suggested.
    public static func suggestions(
        _ events: [MatchEvent], minimum: Double = 0.5, document: String? = nil, limit: Int? = nil
    ) -> [MatchSuggestion] {
        var interners = Interners()
        let prepared = events.map { Prepared($0, interners: &interners) }
        let blocks = Blocks(prepared, words: interners.words.ids.count, cap: blockCap, documentCap: documentBlockCap)
        let inDocument = prepared.map { document != nil && $0.event.document == document }
        let sources = document == nil ? Array(prepared.indices) : prepared.indices.filter { inDocument[$0] }
        var seen = [Int](repeating: -1, count: prepared.count)
        var found: [MatchSuggestion] = []
        for i in sources {
            let left = prepared[i]
            for block in blocks.of[i] {
                for j in blocks.members[block] where j != i && seen[j] != i {
                    seen[j] = i
                    // Each pair once: from its smaller index, or from the one event in `document`.
                    if document == nil || inDocument[j] {
                        guard j > i else { continue }
                    }
                    let right = prepared[j]
                    guard left.creator != right.creator, left.cluster != right.cluster, left.event.id != right.event.id
                    else { continue }
                    let (a, b) = left.event.id <= right.event.id ? (left, right) : (right, left)
                    let parts = Parts(a, b)
                    let score = parts.score
                    guard score >= minimum else { continue }
                    found.append(MatchSuggestion(a: a.event.id, b: b.event.id, score: score, reasons: parts.reasons))
                }
            }
        }
        found.sort { x, y in
            x.score != y.score ? x.score > y.score : x.a != y.a ? x.a < y.a : x.b < y.b
        }
        if let limit, found.count > limit { found.removeLast(found.count - max(limit, 0)) }
        return found
    }

    /// The largest title-word or month block whose pairs are compared.
    public static let blockCap = 100
    /// The largest document whose pairs are compared.
    public static let documentBlockCap = 500

    /// The parts of the score of two prepared events, computed without allocating.
    struct Parts {
        var span = 0.0
        var spansComparable = false
        var type = 0.0
        var date = 0.0
        var actors = 0.0
        var title = 0.0
        var sameDocument = false

        init(_ a: Prepared, _ b: Prepared) {
            sameDocument = a.document >= 0 && a.document == b.document
            if sameDocument, let x = a.event.span, let y = b.event.span, !x.isEmpty, !y.isEmpty {
                spansComparable = true
                let common = max(0, min(x.upperBound, y.upperBound) - max(x.lowerBound, y.lowerBound))
                span = Double(common) / Double(x.count + y.count - common)
            }
            if a.type >= 0 && a.type == b.type { type = 1 }
            if let x = a.event.date, let y = b.event.date, !x.isEmpty, !y.isEmpty, x.hasPrefix(y) || y.hasPrefix(x) {
                date = 1
            }
            actors = MatchScorer.jaccard(a.actors, b.actors)
            title = MatchScorer.jaccard(a.words, b.words)
        }

        var score: Double {
            let others = typeWeight * type + dateWeight * date + actorsWeight * actors + titleWeight * title
            let score = spansComparable ? spanWeight * span + others : withoutSpanCeiling / (1 - spanWeight) * others
            return min(1, max(0, score))
        }

        var reasons: [String: Double] {
            [
                "span": span, "type": type, "date": date, "actors": actors, "title": title,
                "same_document": sameDocument ? 1 : 0,
            ]
        }
    }

    /// The suggestion for two prepared events, `a.event.id <= b.event.id`.
    static func score(_ a: Prepared, _ b: Prepared) -> MatchSuggestion {
        let parts = Parts(a, b)
        return MatchSuggestion(a: a.event.id, b: b.event.id, score: parts.score, reasons: parts.reasons)
    }

    /// The Jaccard index of two sorted, duplicate-free arrays; 0 when both are empty.
    static func jaccard(_ a: [Int], _ b: [Int]) -> Double {
        guard !a.isEmpty || !b.isEmpty else { return 0 }
        let common = SortedSets.commonCount(a, b)
        return Double(common) / Double(a.count + b.count - common)
    }

    /// The title's words as compared: lowercased runs of letters and digits, stop words dropped.
    ///
    /// ASCII is handled byte by byte; other characters are word characters when Unicode calls them alphabetic
    /// or numeric.
    static func titleWords(_ title: String) -> [String] {
        var words: [String] = []
        var word: [UInt8] = []
        var ascii = true
        func flush() {
            guard !word.isEmpty else { return }
            let text = String(decoding: word, as: UTF8.self)
            let lowered = ascii ? text : text.lowercased()
            if !stopWords.contains(lowered) { words.append(lowered) }
            word.removeAll(keepingCapacity: true)
            ascii = true
        }
        for scalar in title.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39, 0x61...0x7A: word.append(UInt8(scalar.value))
            case 0x41...0x5A: word.append(UInt8(scalar.value + 0x20))
            case 0...0x7F: flush()
            default:
                if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                    UTF8.encode(scalar) { word.append($0) }
                    ascii = false
                } else {
                    flush()
                }
            }
        }
        flush()
        return words
    }
}
