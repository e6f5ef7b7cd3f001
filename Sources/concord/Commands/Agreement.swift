import ArgumentParser
import ConcordStore
import ConcordCore

struct Agreement: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement",
        abstract: "Inter-coder agreement: Krippendorff's α per coded field, detection F1 per pair of analysts.",
        discussion: """
            Only events' coded fields count (type, date, location, country, confidence, actors, recipients, mode, \
            context). A unit is a cluster of linked events and a field that two or more analysts coded; each \
            analyst's value is their own latest vote on any member, whatever an adjudicator decided later. α is \
            nominal for type, country, mode and location, ordinal for confidence, interval (on day numbers) for \
            date, and uses the MASI distance for sets. --json adds the reliability data, so anyone can recompute α.
            """)

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let report = try options.open().agreement()
        if output.json {
            print(report.json(), terminator: "")
            return
        }
        print(report.text(), terminator: "")
    }
}

struct Match: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Suggest pairs of events by different analysts that likely report the same happening.",
        discussion: """
            Pairs of unlinked, non-deleted events created by different analysts, best first, with a score in \
            [0, 1] and its parts: overlap of the evidence quotes in the article (intersection over union of their \
            character spans, same document only), equal type, compatible dates (one a prefix of the other), the \
            actors' and the title words' Jaccard index. In one document the score is 0.35·span + 0.15·type + \
            0.15·date + 0.20·actors + 0.15·title; across documents (no span to compare) the other parts are \
            rescaled to at most 0.9. Link a pair you agree with: concord link A B.
            """)

    @OptionGroup var options: StoreOptions
    @Option(help: "Only pairs with an event of this document (id or unique prefix).") var doc: String?
    @Option(help: "The lowest score shown, in [0, 1].") var min: Double = 0.5
    @Option(help: "Show at most this many pairs.") var limit: Int?
    @OptionGroup var output: JSONOption

    func run() throws {
        // A value out of range is bad input, not bad usage: exit 1 like every refused input (protocol.md §7).
        guard min >= 0, min <= 1 else {
            throw StoreError.invalid("--min is a score in [0, 1], for example --min 0.6; got \(min)")
        }
        if let limit, limit < 1 { throw StoreError.invalid("--limit must be at least 1; got \(limit)") }
        let store = try options.open()
        let suggestions = try store.matchSuggestions(doc: doc, minimum: min, limit: limit)
        if output.json {
            print(MatchScorer.json(suggestions), terminator: "")
            return
        }
        if suggestions.isEmpty {
            return Terminal.message(
                "no unlinked pair scores \(min) or more; lower --min to see weaker candidates")
        }
        let titles = Dictionary(
            try store.events().map { ($0.id.rawValue, $0.title ?? "") }, uniquingKeysWith: { a, _ in a })
        for s in suggestions {
            let parts = ["span", "type", "date", "actors", "title"].compactMap { key -> String? in
                guard let value = s.reasons[key], value > 0 else { return nil }
                return "\(key) \(String(format: "%.2f", value))"
            }
            Terminal.out("\(String(format: "%.2f", s.score))  \(s.a)  \"\(titles[s.a] ?? "")\"")
            Terminal.out("      \(s.b)  \"\(titles[s.b] ?? "")\"")
            Terminal.out("      " + (parts.isEmpty ? "no shared evidence" : parts.joined(separator: ", ")))
        }
        Terminal.message(
            "\(suggestions.count) suggestion\(suggestions.count == 1 ? "" : "s"); link a pair that reports one "
                + "happening with `concord link A B`")
    }
}
