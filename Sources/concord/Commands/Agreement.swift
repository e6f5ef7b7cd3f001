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
            Pairs of unlinked, non-dismissed, non-deleted events created by different analysts, best first, with \
            a score in [0, 1] and its parts: what the evidence says (overlap of the quotes and of the sentences \
            that hold them in one article; their shared words across articles), the type (equal, or in the same \
            PLOVER quad class), the participants (actors and recipients, whose names' words meet), the title \
            words, and how well the dates fit. The score is their weighted mean (3·content, or 2·content across \
            articles, + type + 2·participants + 2·title + 2·date, over the parts both events have), cut to 0.3 of itself when the dates contradict \
            and to 0.6 when the countries differ. A coder codes a happening once in an article, so an event is \
            suggested only with the events of another coder's article that fit it best. Link a pair that reports \
            one happening (concord link A B); dismiss one that does not (concord dismiss A B), and match never \
            suggests it again, for anyone.
            """)

    @OptionGroup var options: StoreOptions
    @Option(help: "Only pairs with an event of this document (id or unique prefix).") var doc: String?
    @Option(help: "The lowest score shown, in [0, 1].") var min: Double = MatchScorer.defaultMinimum
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
        let events = Dictionary(try store.matchEvents().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        if output.json {
            print(MatchScorer.json(suggestions, events: events), terminator: "")
            return
        }
        if suggestions.isEmpty {
            return Terminal.message(
                "no unlinked pair scores \(min) or more; lower --min to see weaker candidates")
        }
        func line(_ id: String) -> String {
            let event = events[id]
            let document = event?.document.map { " in " + String($0.dropFirst("document/".count).prefix(7)) } ?? ""
            return "\(id)  \"\(event?.title ?? "")\"  (\(event?.creator ?? "?")\(document))"
        }
        for s in suggestions {
            let parts = ["content", "type", "participants", "title", "date"].compactMap { key -> String? in
                guard let value = s.reasons[key], value > 0 else { return nil }
                return "\(key) \(String(format: "%.2f", value))"
            }
            let warnings =
                (s.reasons["countries_differ"] == 1 ? ["countries differ"] : [])
                + (s.reasons["dates_contradict"] == 1 ? ["dates contradict"] : [])
            Terminal.out("\(String(format: "%.2f", s.score))  " + line(s.a))
            Terminal.out("      " + line(s.b))
            Terminal.out("      " + ((parts.isEmpty ? ["nothing shared"] : parts) + warnings).joined(separator: ", "))
        }
        Terminal.message(
            "\(suggestions.count) suggestion\(suggestions.count == 1 ? "" : "s"); link a pair that reports one "
                + "happening with `concord link A B`, dismiss one that does not with `concord dismiss A B`")
    }
}
