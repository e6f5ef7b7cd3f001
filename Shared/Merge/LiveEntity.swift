/// The merged live state of one entity, by field: what a store persists as its view (live register versions, live
/// set adds and notes), and what ``EntitySnapshot`` is built from.
///
/// Every store loads its rows into this one shape (the SQLite stores through `ConcordSQLite`'s `LiveRows`), and the
/// in-memory fold gives it from ``EntityState``, so a snapshot and a report read the same thing from any store.
public struct LiveEntity: Hashable, Sendable {
    public var id: EntityID
    /// Live register versions by field.
    public var registers: [String: [Version]]
    /// Live set adds by field.
    public var setAdds: [String: [Version]]
    /// Notes by field.
    public var notes: [String: [Version]]

    public init(
        id: EntityID, registers: [String: [Version]] = [:], setAdds: [String: [Version]] = [:],
        notes: [String: [Version]] = [:]
    ) {
        self.id = id
        self.registers = registers
        self.setAdds = setAdds
        self.notes = notes
    }

    /// The live rows a store would persist for `state`; `noteFields` gives each note's field (``EntityState``
    /// keeps notes without it).
    public init(_ state: EntityState, noteFields: [ChangeID: String]) {
        var notes: [String: [Version]] = [:]
        for version in state.notes.values { notes[noteFields[version.change]!, default: []].append(version) }
        self.init(
            id: state.id, registers: state.registers.mapValues { Array($0.live.values) },
            setAdds: state.sets.mapValues { Array($0.adds.values) }, notes: notes)
    }

    /// Whether the entity has no live row at all.
    public var isEmpty: Bool { registers.isEmpty && setAdds.isEmpty && notes.isEmpty }

    /// Adds one live row of `field`, kept as its field merges.
    public mutating func add(_ version: Version, field: String, kind: Schema.Kind) {
        switch kind {
        case .register: registers[field, default: []].append(version)
        case .set: setAdds[field, default: []].append(version)
        case .list: notes[field, default: []].append(version)
        }
    }

    /// The live versions of `field` that a later change of it may supersede: its register versions or set adds
    /// (notes are never superseded).
    public func supersedable(_ field: String) -> [Version] {
        registers[field] ?? setAdds[field] ?? []
    }

    /// The entity as shown to a person, through the merge.
    public var snapshot: EntitySnapshot {
        EntitySnapshot(
            id: id, registers: registers, setAdds: setAdds,
            notes: notes.count == 1 ? notes.first!.value : notes.values.flatMap { $0 })
    }
}
