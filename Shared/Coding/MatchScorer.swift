/// Suggests pairs of events by different analysts that likely report the same happening (`concord match`,
/// protocol.md §11).
///
/// The weights, factors and the default threshold were chosen on a labelled set of real articles coded twice
/// independently (`Tests/Corpus`, BENCHMARKS.md *match*), and kept few and round so that they carry to articles
/// they were not chosen on.
public enum MatchScorer {
    /// Weights of the parts in the score's weighted mean. The evidence weighs less across documents: two outlets'
    /// words about one happening differ more than two quotes of one article.
    static let contentWeight = 3.0
    static let crossDocumentContentWeight = 2.0
    static let typeWeight = 1.0
    static let participantsWeight = 2.0
    static let titleWeight = 2.0
    static let dateWeight = 2.0
    /// The score is multiplied by this when the dates contradict each other.
    static let dateContradiction = 0.3
    /// The score is multiplied by this when both events give a country and they differ.
    static let countryContradiction = 0.6
    /// A pair is suggested only if its score is at least this share of the best score either event reaches with
    /// any event of the other's creator in the other's document (``suggestions(_:minimum:document:limit:)``).
    public static let competition = 0.9
    /// `concord match`'s default `--min`.
    public static let defaultMinimum = 0.5

    /// How likely `a` and `b` report the same happening, from 0 to 1, with each part's value in `reasons`.
    ///
    /// The parts, each in 0...1 (a part that cannot be measured is left out of the mean):
    /// - `content`: what the evidence says. In one document, the largest of the quotes' overlap (intersection over
    ///   union of their character spans), the overlap of the sentences that hold them, and the Jaccard index of
    ///   the quotes' words; across documents (two outlets, often one wire story), the larger Jaccard index of the
    ///   quotes' words and of their sentences' words. 0 without evidence.
    /// - `type`: 1 when equal, 0.5 in the same PLOVER quad class, 0 otherwise; left out when either is missing.
    /// - `participants`: how the actors and recipients of one meet the other's: each name's best Jaccard index of
    ///   words with a name of the other side (``MatchText/actorWords(_:)``), averaged over both sides' names;
    ///   left out when either has none.
    /// - `title`: the Jaccard index of the titles' words (``MatchText/words(_:)``).
    /// - `date`: ``MatchText/dateFit(_:_:)``, left out when either is missing.
    ///
    /// `score = (c·content + 1·type + 2·participants + 2·title + 2·date) / (sum of the weights of the parts
    /// present)`, with c = 3 in one document and 2 across documents, times 0.3 when the dates contradict
    /// (`date` = 0) and 0.6 when both give a different country.
    /// `reasons` holds every part by name (0 for one not measured, with its `measured_…` key 0), `same_document`,
    /// the contradictions (`dates_contradict`, `countries_differ`) as 1 or 0, and `span` and `actors` as before.
    ///
    /// The result has `a < b` whatever the argument order; the creators and clusters are not looked at here.
    public static func score(_ a: MatchEvent, _ b: MatchEvent) -> MatchSuggestion {
        var interners = Interners()
        let (first, second) = a.id <= b.id ? (a, b) : (b, a)
        return score(Prepared(first, interners: &interners), Prepared(second, interners: &interners))
    }

    /// The suggestions scoring at least `minimum`, best first, ties by `(a, b)`, at most `limit` of them.
    ///
    /// Only pairs of different creators, different clusters and not dismissed (``MatchEvent/distinct``) are
    /// suggested. A coder codes a happening once in an article, so a pair is also left out when either event has
    /// a clearly better match (``competition``) among the other creator's events of the same document: of
    /// bob's four events in an article, alice's event is suggested with the one that fits it, not with all four.
    /// Pairs already linked count as matches there; dismissed pairs do not. With `document`, only pairs with at
    /// least one event in it.
    ///
    /// Pairs are not all compared: candidates share a *block*, that is the same document, a word of their titles,
    /// evidence sentences or participants, or the month of their dates (`YYYY-MM`). A word or month block of more
    /// than ``blockCap`` events (a common word, a busy month), and a document of more than ``documentBlockCap``
    /// events, is skipped, which keeps the work linear in the number of events; a pair that shares only skipped
    /// blocks is not suggested.
    public static func suggestions(
        _ events: [MatchEvent], minimum: Double = defaultMinimum, document: String? = nil, limit: Int? = nil
    ) -> [MatchSuggestion] {
        var interners = Interners()
        let prepared = events.map { Prepared($0, interners: &interners) }
        let blocks = Blocks(prepared, words: interners.words.ids.count, cap: blockCap, documentCap: documentBlockCap)
        let inDocument = prepared.map { document != nil && $0.event.document == document }
        let sources = document == nil ? Array(prepared.indices) : prepared.indices.filter { inDocument[$0] }
        var seen = [Int](repeating: -1, count: prepared.count)
        // Every pair that reaches `minimum`, and each event's best score per (other creator, other document).
        // A pair under `minimum` cannot change which pairs over it are suggested: an event's best is at least
        // the score of every pair it is in.
        var candidates: [(i: Int, j: Int, parts: Parts, score: Double, linked: Bool)] = []
        var best: [BestKey: Double] = [:]
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
                    guard left.creator != right.creator, left.event.id != right.event.id,
                        !left.event.distinct.contains(right.event.id), !right.event.distinct.contains(left.event.id)
                    else { continue }
                    let parts = Parts(left, right)
                    let score = parts.score
                    guard score >= minimum else { continue }
                    let linked = left.cluster == right.cluster
                    candidates.append((i, j, parts, score, linked))
                    let keys = [
                        BestKey(event: i, creator: right.creator, document: right.document),
                        BestKey(event: j, creator: left.creator, document: left.document),
                    ]
                    for key in keys { best[key] = max(best[key] ?? 0, score) }
                }
            }
        }
        var found: [MatchSuggestion] = []
        for candidate in candidates where !candidate.linked {
            let (left, right) = (prepared[candidate.i], prepared[candidate.j])
            let score = candidate.score
            let bar =
                competition
                * max(
                    best[BestKey(event: candidate.i, creator: right.creator, document: right.document)] ?? 0,
                    best[BestKey(event: candidate.j, creator: left.creator, document: left.document)] ?? 0)
            guard score >= bar else { continue }
            let (a, b) = left.event.id <= right.event.id ? (left, right) : (right, left)
            found.append(MatchSuggestion(a: a.event.id, b: b.event.id, score: score, reasons: candidate.parts.reasons))
        }
        found.sort { x, y in
            x.score != y.score ? x.score > y.score : x.a != y.a ? x.a < y.a : x.b < y.b
        }
        if let limit, found.count > limit { found.removeLast(found.count - max(limit, 0)) }
        return found
    }

    /// One event's best match among one creator's events of one document.
    struct BestKey: Hashable {
        var event: Int
        var creator: Int
        var document: Int
    }

    /// The largest word or month block whose pairs are compared.
    public static let blockCap = 100
    /// The largest document whose pairs are compared.
    public static let documentBlockCap = 500

    /// The parts of the score of two prepared events.
    struct Parts {
        var sameDocument = false
        var content = 0.0
        /// Kept in `reasons` for scripts that read them before `content` and `participants` (keys are never removed,
        /// protocol.md §7): the quotes' span overlap in one document, the actor sets' Jaccard index.
        var span = 0.0
        var actors = 0.0
        var type: Double?
        var participants: Double?
        var title = 0.0
        var date: Double?
        var countriesDiffer = false

        init(_ a: Prepared, _ b: Prepared) {
            sameDocument = a.document >= 0 && a.document == b.document
            let quoteWords = MatchScorer.jaccard(a.quoteWords, b.quoteWords)
            let sentenceWords = MatchScorer.jaccard(a.sentenceWords, b.sentenceWords)
            if sameDocument {
                span = MatchScorer.overlap(a.event.span, b.event.span)
                content = max(quoteWords, span, MatchScorer.overlap(a.event.sentence, b.event.sentence))
            } else {
                content = max(quoteWords, sentenceWords)
            }
            if let x = a.eventType, let y = b.eventType {
                type = x == y ? 1 : x.quadCode == y.quadCode ? 0.5 : 0
            }
            participants = MatchScorer.participants(a.participants, b.participants)
            actors = MatchScorer.jaccard(a.actors, b.actors)
            title = MatchScorer.jaccard(a.titleWords, b.titleWords)
            date = MatchText.dateFit(a.days, b.days)
            if let x = a.event.country, let y = b.event.country, !x.isEmpty, !y.isEmpty, x != y {
                countriesDiffer = true
            }
        }

        var score: Double {
            let contentWeight = sameDocument ? MatchScorer.contentWeight : crossDocumentContentWeight
            var sum = contentWeight * content + titleWeight * title
            var weights = contentWeight + titleWeight
            for (weight, value) in [(typeWeight, type), (participantsWeight, participants), (dateWeight, date)] {
                guard let value else { continue }
                sum += weight * value
                weights += weight
            }
            var score = sum / weights
            if date == 0 { score *= dateContradiction }
            if countriesDiffer { score *= countryContradiction }
            return min(1, max(0, score))
        }

        /// Every part by name, always every key (0 for a part one side cannot give: ``measured`` says which were
        /// measured), and the two contradictions as 1 or 0.
        var reasons: [String: Double] {
            [
                "content": content, "span": span, "type": type ?? 0, "date": date ?? 0,
                "participants": participants ?? 0, "actors": actors, "title": title,
                "same_document": sameDocument ? 1 : 0, "countries_differ": countriesDiffer ? 1 : 0,
                "dates_contradict": date == 0 ? 1 : 0,
                "measured_type": type == nil ? 0 : 1, "measured_date": date == nil ? 0 : 1,
                "measured_participants": participants == nil ? 0 : 1,
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

    /// Intersection over union of two character ranges; 0 when either is missing or empty.
    static func overlap(_ x: Range<Int>?, _ y: Range<Int>?) -> Double {
        guard let x, let y, !x.isEmpty, !y.isEmpty else { return 0 }
        let common = max(0, min(x.upperBound, y.upperBound) - max(x.lowerBound, y.lowerBound))
        return Double(common) / Double(x.count + y.count - common)
    }

    /// Each name's best Jaccard index with a name of the other side, averaged over both sides; nil when either
    /// side has no name.
    static func participants(_ a: [[Int]], _ b: [[Int]]) -> Double? {
        guard !a.isEmpty, !b.isEmpty else { return nil }
        func best(_ name: [Int], _ others: [[Int]]) -> Double {
            others.reduce(0) { max($0, jaccard(name, $1)) }
        }
        let total = a.reduce(0) { $0 + best($1, b) } + b.reduce(0) { $0 + best($1, a) }
        return total / Double(a.count + b.count)
    }
}
