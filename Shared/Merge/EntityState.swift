/// The merge state of one entity: its registers, sets and notes, folded from changes in any order.
public struct EntityState: Hashable, Sendable {
    public let id: EntityID
    public private(set) var registers: [String: RegisterState] = [:]
    public private(set) var sets: [String: SetState] = [:]
    public private(set) var notes: [ChangeID: Version] = [:]

    public init(id: EntityID) { self.id = id }

    /// Folds in one change to this entity. Applying a change twice is a no-op.
    public mutating func apply(_ change: Change) {
        precondition(change.entity == id, "change \(change.id) is for \(change.entity), not \(id)")
        switch change.op {
        case .set:
            registers[change.field, default: RegisterState()].apply(change)
        case .add, .remove:
            sets[change.field, default: SetState()].apply(change)
        case .append:
            notes[change.id] = Version(change)
        }
    }

    /// The entity as shown to a person.
    public var snapshot: EntitySnapshot {
        EntitySnapshot(
            id: id,
            registers: registers.mapValues { Array($0.live.values) },
            setAdds: sets.mapValues { Array($0.adds.values) },
            notes: Array(notes.values))
    }
}
