extension MatchScorer {
    /// The suggestions as `concord match --json` prints them (protocol.md §11, §16), in the given order:
    /// `[{"a", "b", "score", "reasons": {...}, "titles": {"a", "b"}, "creators": {"a", "b"}, "docs": {"a", "b"}}]`,
    /// keys sorted, two-space indented; `reasons` as ``MatchScorer/Parts/reasons`` names them, every key always.
    /// `titles`, `creators` and `docs` come from `events` (null for an event not in it, or without a document).
    public static func json(_ suggestions: [MatchSuggestion], events: [String: MatchEvent] = [:]) -> String {
        let items: [CodingJSON] = suggestions.map { suggestion in
            func pair(_ value: (MatchEvent) -> String?) -> CodingJSON {
                .object([
                    "a": events[suggestion.a].flatMap(value).map(CodingJSON.string) ?? .null,
                    "b": events[suggestion.b].flatMap(value).map(CodingJSON.string) ?? .null,
                ])
            }
            return .object([
                "a": .string(suggestion.a),
                "b": .string(suggestion.b),
                "score": .double(suggestion.score),
                "reasons": .object(suggestion.reasons.mapValues { .double($0) }),
                "titles": pair(\.title),
                "creators": pair(\.creator),
                "docs": pair(\.document),
            ])
        }
        return CodingJSON.array(items).text + "\n"
    }
}
