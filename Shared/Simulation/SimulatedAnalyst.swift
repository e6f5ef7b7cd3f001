/// One analyst's replica in a simulation: an in-memory ``Replica`` with its own clock, ids and role, writing
/// changes exactly as the CLI does (through ``EditPlanner``).
public struct SimulatedAnalyst {
    public let name: AnalystName
    public let role: Role
    public let replicaID: ReplicaID
    public private(set) var replica = Replica()
    public private(set) var clock = HybridClock()
    /// Changes this analyst wrote, in order.
    public private(set) var written: [Change] = []
    private var ids: UUIDv7Generator

    public init(name: AnalystName, role: Role, replicaID: ReplicaID, ids: UUIDv7Generator) {
        self.name = name
        self.role = role
        self.replicaID = replicaID
        self.ids = ids
    }

    /// Receives changes from elsewhere (any order, duplicates welcome).
    public mutating func receive(_ changes: some Sequence<Change>, wall: Int64) {
        for change in changes where replica.apply(change) {
            clock.receive(change.hlc, wall: wall)
        }
    }

    /// Writes one change at `wall` time and applies it locally.
    @discardableResult
    public mutating func write(
        _ entity: EntityID, _ field: String, _ op: ChangeOp, _ value: FieldValue, supersedes: [ChangeID] = [],
        reason: String? = nil, wall: Int64
    ) -> Change {
        let change = Change(
            id: ids.next(), entity: entity, field: field, op: op, value: value, supersedes: supersedes,
            hlc: clock.tick(wall: wall), author: name, replica: replicaID, reason: reason)
        replica.apply(change)
        written.append(change)
        return change
    }

    public mutating func newEventID() -> EntityID { .event(ids.next()) }
}
