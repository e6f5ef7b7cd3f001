/// A change that is well formed but breaks the field schema, with the field, the value and what was expected.
public struct ValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var entity: EntityID?
    public var field: String
    /// The refused value as text (truncated), or nil when the problem is not the value.
    public var value: String?
    public var expected: String

    public init(entity: EntityID? = nil, field: String, value: String? = nil, expected: String) {
        self.entity = entity
        self.field = field
        self.value = value.map { $0.count > 60 ? String($0.prefix(60)) + "…" : $0 }
        self.expected = expected
    }

    public var description: String {
        if let value {
            return "invalid \(field) \"\(value)\": expected \(expected)"
        }
        return "\(field): \(expected)"
    }
}
