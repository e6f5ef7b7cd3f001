extension MatchScorer {
    /// The suggestions as `concord match --json` prints them (protocol.md §11), in the given order:
    /// `[{"a", "b", "score", "reasons": {"actors", "date", "same_document", "span", "title", "type"}}]`,
    /// keys sorted, two-space indented.
    public static func json(_ suggestions: [MatchSuggestion]) -> String {
        let items: [CodingJSON] = suggestions.map { suggestion in
            .object([
                "a": .string(suggestion.a),
                "b": .string(suggestion.b),
                "score": .double(suggestion.score),
                "reasons": .object(suggestion.reasons.mapValues { .double($0) }),
            ])
        }
        return CodingJSON.array(items).text + "\n"
    }
}
