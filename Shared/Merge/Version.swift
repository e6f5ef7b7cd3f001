/// One change as the merge keeps it: a register version, a set `add`, or a note.
public struct Version: Hashable, Sendable, Codable {
    public var change: ChangeID
    public var value: FieldValue
    public var author: AnalystName
    public var hlc: HLC
    public var replica: ReplicaID
    /// The change's `supersedes` list. Kept because a delete's context decides delete/edit conflicts.
    public var context: [ChangeID]

    public init(
        change: ChangeID, value: FieldValue, author: AnalystName, hlc: HLC, replica: ReplicaID, context: [ChangeID] = []
    ) {
        self.change = change
        self.value = value
        self.author = author
        self.hlc = hlc
        self.replica = replica
        self.context = context
    }

    public init(_ change: Change) {
        self.init(
            change: change.id, value: change.value, author: change.author, hlc: change.hlc, replica: change.replica,
            context: change.supersedes)
    }

    /// The merge order: (hlc, replica, id). The provisional value of a conflict is the greatest version.
    public func precedes(_ other: Version) -> Bool {
        if hlc != other.hlc { return hlc < other.hlc }
        if replica != other.replica { return replica < other.replica }
        return change < other.change
    }
}

extension Sequence<Version> {
    /// The versions in merge order.
    public func inMergeOrder() -> [Version] { sorted { $0.precedes($1) } }
}
