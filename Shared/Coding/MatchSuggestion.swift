/// Two events that likely report the same happening, with the score ``MatchScorer`` gave them.
public struct MatchSuggestion: Hashable, Sendable {
    /// The smaller event id.
    public var a: String
    public var b: String
    /// In 0...1; see ``MatchScorer/score(_:_:)``.
    public var score: Double
    /// Each part's value in 0...1, by name (``MatchScorer/score(_:_:)`` lists them).
    public var reasons: [String: Double]

    public init(a: String, b: String, score: Double, reasons: [String: Double]) {
        self.a = a
        self.b = b
        self.score = score
        self.reasons = reasons
    }
}
