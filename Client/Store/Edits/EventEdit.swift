import ConcordCore

/// What `concord event edit` changes: register fields to set, and set elements to add and remove.
public struct EventEdit: Hashable, Sendable {
    /// Register fields by name (`title`, `type`, `doc`, ...), as typed; `doc` may be a short document id.
    public var values: [String: String]
    /// Elements to add, by set field (`actors`, `recipients`, `context`, `tags`).
    public var added: [String: [String]]
    /// Elements to remove, by set field.
    public var removed: [String: [String]]
    /// Register fields to clear (`--clear FIELD`, protocol.md §16): no value from now on.
    public var cleared: [String]

    public init(
        values: [String: String] = [:], added: [String: [String]] = [:], removed: [String: [String]] = [:],
        cleared: [String] = []
    ) {
        self.values = values
        self.added = added.filter { !$0.value.isEmpty }
        self.removed = removed.filter { !$0.value.isEmpty }
        self.cleared = cleared
    }

    /// Whether the edit changes nothing.
    public var isEmpty: Bool { values.isEmpty && added.isEmpty && removed.isEmpty && cleared.isEmpty }
}
