import ConcordCore

/// The fields of a new event, as `concord event add` and each row of `concord event import` give them.
///
/// Values are text as typed; they are checked against the schema when the event is added.
public struct EventDraft: Hashable, Sendable {
    /// Register fields by name (`doc`, `title`, `summary`, `type`, ...). `doc` may be a short document id.
    public var values: [String: String]
    public var actors: [String]
    public var tags: [String]

    /// The register fields an event can be created with, in the order their changes are written.
    public static let registerFields = [
        "doc", "title", "summary", "type", "date", "location", "country", "confidence", "status", "evidence",
    ]

    /// Every key an import row may carry.
    public static let importKeys = registerFields + ["actors", "tags"]

    public init(values: [String: String] = [:], actors: [String] = [], tags: [String] = []) {
        self.values = values
        self.actors = actors
        self.tags = tags
    }
}

/// A problem with one field of a draft, before it is placed in a file and line.
struct FieldProblem: Error {
    var field: String
    var message: String
}
