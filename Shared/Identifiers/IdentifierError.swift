/// An identifier, clock or name that could not be parsed.
public struct IdentifierError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was being parsed, e.g. "change id" or "entity id".
    public var kind: String
    /// The text that was refused.
    public var input: String
    /// What a valid input looks like.
    public var expected: String

    public init(kind: String, input: String, expected: String) {
        self.kind = kind
        self.input = input
        self.expected = expected
    }

    public var description: String {
        let shown = input.count > 80 ? String(input.prefix(80)) + "…" : input
        return "invalid \(kind) \"\(shown)\": expected \(expected)"
    }
}
