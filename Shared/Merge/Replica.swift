/// An in-memory replica that folds changes: the reference every store must match.
///
/// ```swift
/// var replica = Replica()
/// replica.apply(changes)
/// let drill = replica.snapshot(of: eventID)
/// ```
public struct Replica: Hashable, Sendable {
    public private(set) var entities: [EntityID: EntityState] = [:]
    /// Every change this replica has applied, by id.
    public private(set) var changes: [ChangeID: Change] = [:]

    public init() {}

    /// Builds the state the merge gives for `changes`, whatever their order and however many duplicates.
    public init(folding changes: some Sequence<Change>) {
        self.init()
        apply(changes)
    }

    /// Folds in one change; returns false if it was already known (a no-op).
    @discardableResult
    public mutating func apply(_ change: Change) -> Bool {
        guard changes[change.id] == nil else { return false }
        changes[change.id] = change
        entities[change.entity, default: EntityState(id: change.entity)].apply(change)
        return true
    }

    public mutating func apply(_ changes: some Sequence<Change>) {
        for change in changes { apply(change) }
    }

    public func snapshot(of id: EntityID) -> EntitySnapshot? { entities[id]?.snapshot }

    /// Snapshots of every entity, sorted by id.
    public var snapshots: [EntitySnapshot] { entities.keys.sorted().map { entities[$0]!.snapshot } }
}
