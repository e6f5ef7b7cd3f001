import ConcordCore

/// The fields of a new event, as `concord event add` and each row of `concord event import` give them.
///
/// Values are text as typed; they are checked against the schema when the event is added.
public struct EventDraft: Hashable, Sendable {
    /// Register fields by name (`doc`, `title`, `summary`, `type`, ...). `doc` may be a short document id.
    public var values: [String: String]
    /// Elements of set fields by field name (`actors`, `tags`, `recipients`, `context`), in the order given.
    public var elements: [String: [String]]

    /// The register fields an event can be created with, in the order their changes are written.
    public static let registerFields = [
        "doc", "title", "summary", "type", "date", "end_date", "location", "country", "confidence", "status",
        "evidence", "mode",
    ]

    /// The set fields an event can be created with, in the order their changes are written.
    public static let setFields = ["actors", "recipients", "context", "tags", "aux", "quotes"]

    /// Every key an import row may carry.
    public static let importKeys = registerFields + setFields

    /// The set field an import key names: its plural (`actors`), its singular (`actor`), or `contexts`.
    public static func setField(forKey key: String) -> String? {
        switch key {
        case "actors", "actor": return "actors"
        case "recipients", "recipient": return "recipients"
        case "context", "contexts": return "context"
        case "tags", "tag": return "tags"
        case "aux": return "aux"
        case "quotes", "quote": return "quotes"
        default: return nil
        }
    }

    public init(
        values: [String: String] = [:], actors: [String] = [], tags: [String] = [], recipients: [String] = [],
        context: [String] = []
    ) {
        self.values = values
        self.elements = [:]
        for (field, list) in [("actors", actors), ("recipients", recipients), ("context", context), ("tags", tags)]
        where !list.isEmpty {
            elements[field] = list
        }
    }

    public var actors: [String] {
        get { elements["actors"] ?? [] }
        set { elements["actors"] = newValue }
    }

    public var tags: [String] {
        get { elements["tags"] ?? [] }
        set { elements["tags"] = newValue }
    }
}

/// A problem with one field of a draft, before it is placed in a file and line.
struct FieldProblem: Error {
    var field: String
    var message: String
}
