/// The value a change carries: a string for every field but `deleted`, which is a boolean.
public enum FieldValue: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    case string(String)
    case bool(Bool)

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value as a person would type it on the command line.
    public var description: String {
        switch self {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        }
    }

    public static func < (lhs: FieldValue, rhs: FieldValue) -> Bool {
        switch (lhs, rhs) {
        case (.bool(let a), .bool(let b)): return !a && b
        case (.bool, .string): return true
        case (.string, .bool): return false
        case (.string(let a), .string(let b)): return a < b
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else {
            throw DecodingError.typeMismatch(
                FieldValue.self,
                .init(
                    codingPath: decoder.codingPath, debugDescription: "expected a string, or true/false for `deleted`"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let s): try container.encode(s)
        case .bool(let b): try container.encode(b)
        }
    }
}
