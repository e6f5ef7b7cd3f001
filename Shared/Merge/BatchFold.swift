/// Folds a batch of changes into the merge state a store holds, without I/O: the one fold every store calls.
///
/// A store loads, for the fields a batch touches, their live register versions and set adds and which of the batch's
/// own ids are already retired there; folds the batch in the order it stores it; and writes each field's net
/// ``Delta``. A version both added and superseded within the batch never reaches the store.
///
/// ```swift
/// var fold = BatchFold(live: loadedLive, retired: loadedRetired)
/// for change in batch { fold.apply(change) }
/// for delta in fold.deltas { /* delete delta.removed, insert delta.inserted, record delta.retired */ }
/// ```
///
/// Which retired ids a store must record is decided here, once: ids retired while they were not live. Those whose
/// change has not arrived yet need the row: when the change arrives, the store must fold it as superseded. An id
/// retired while live needs none: its change is stored already, and no store folds a change twice. For the same
/// reason a store may skip an id of ``Delta/retired`` whose change it already held when the retiring change came
/// (``Retirement/by`` says which change that was); the client does, since in the server's order most of them are
/// versions superseded twice, and the server writes them all rather than probe its log for each.
public struct BatchFold {
    /// The net effect of a batch on one field.
    public struct Delta: Hashable, Sendable {
        public var key: FieldKey
        public var kind: Schema.Kind
        /// Versions that become live (notes in the order they were folded, others in no particular order).
        public var inserted: [Version] = []
        /// Ids of versions the store held live that are no longer live.
        public var removed: [ChangeID] = []
        /// Ids to record as retired in this field (see the type's discussion), in the order they were retired.
        public var retired: [Retirement] = []
        /// Every live version of a register or set after the batch (what the store's copy of the field now holds);
        /// empty for a list.
        public var live: [Version] = []

        public var isEmpty: Bool { inserted.isEmpty && removed.isEmpty && retired.isEmpty }
    }

    /// An id a change of the batch retired while it was not live.
    public struct Retirement: Hashable, Sendable {
        public var id: ChangeID
        /// The retiring change's position among the changes folded (0 for the first ``apply(_:)``).
        public var by: Int

        public init(id: ChangeID, by: Int) {
            self.id = id
            self.by = by
        }
    }

    private enum State: Sendable {
        case register(RegisterState)
        case set(SetState)
        case list([Version])
    }

    private struct Field: Sendable {
        let key: FieldKey
        var state: State
        /// The ids live before the batch.
        let initial: Set<ChangeID>
        var retired: [Retirement] = []

        mutating func apply(_ change: Change, position: Int) {
            // Each case takes the state out first, so the only reference left is the one being mutated (no copy).
            switch state {
            case .register(var register):
                state = .list([])
                let delta = register.apply(change)
                noteRetired(delta.retired, removed: delta.removed, by: position)
                state = .register(register)
            case .set(var set):
                state = .list([])
                let delta = set.apply(change)
                noteRetired(delta.retired, removed: delta.removed, by: position)
                state = .set(set)
            case .list(var notes):
                state = .list([])
                notes.append(Version(change))
                state = .list(notes)
            }
        }

        /// Keeps the ids a change retired that were not live before it (see ``BatchFold``).
        private mutating func noteRetired(_ retired: [ChangeID], removed: [ChangeID], by position: Int) {
            for id in retired where !removed.contains(id) { self.retired.append(Retirement(id: id, by: position)) }
        }
    }

    private let loadedLive: (FieldKey) -> [Version]
    private let loadedRetired: [FieldKey: Set<ChangeID>]
    /// The touched fields, in the order the batch first touched them, and where each is.
    private var fields: [Field] = []
    private var position: [FieldKey: Int] = [:]
    /// How many changes were folded.
    private var applied = 0

    /// - Parameters:
    ///   - live: the live register versions and set adds of the fields the batch touches (notes are not needed);
    ///     a field left out has none.
    ///   - retired: the batch's ids the store already knows to be retired, by field.
    public init(live: [FieldKey: [Version]] = [:], retired: [FieldKey: Set<ChangeID>] = [:]) {
        self.init(retired: retired) { live[$0] ?? [] }
    }

    /// For a store that holds the loaded rows in its own shape: `live` gives a field's live register versions or
    /// set adds, and is asked once for each field the batch touches, when the batch first touches it.
    public init(retired: [FieldKey: Set<ChangeID>] = [:], live: @escaping (FieldKey) -> [Version]) {
        loadedLive = live
        loadedRetired = retired
    }

    /// Folds in one change. The store has already set aside duplicates (changes it holds, or earlier in the batch).
    public mutating func apply(_ change: Change) {
        let key = FieldKey(change)
        if let index = position[key] {
            fields[index].apply(change, position: applied)
        } else {
            position[key] = fields.count
            fields.append(start(key, op: change.op))
            fields[fields.count - 1].apply(change, position: applied)
        }
        applied += 1
    }

    /// The live versions of a register or the live adds of a set, as folded so far: what a change superseding
    /// versions of the field is checked against. Empty for a list.
    public func live(_ key: FieldKey) -> [Version] {
        guard let index = position[key] else { return loadedLive(key) }
        let field = fields[index]
        switch field.state {
        case .register(let register): return Array(register.live.values)
        case .set(let set): return Array(set.adds.values)
        case .list: return []
        }
    }

    /// The net effect on every field the batch touched, in the order it first touched them; fields the batch left
    /// as they were are left out.
    public var deltas: [Delta] {
        var deltas: [Delta] = []
        deltas.reserveCapacity(fields.count)
        for field in fields {
            var delta: Delta
            switch field.state {
            case .register(let register):
                delta = Delta(key: field.key, kind: .register, live: Array(register.live.values))
                delta.removed = field.initial.filter { register.live[$0] == nil }
            case .set(let set):
                delta = Delta(key: field.key, kind: .set, live: Array(set.adds.values))
                delta.removed = field.initial.filter { set.adds[$0] == nil }
            case .list(let notes):
                delta = Delta(key: field.key, kind: .list, inserted: notes)
            }
            if delta.kind != .list {
                delta.inserted =
                    field.initial.isEmpty ? delta.live : delta.live.filter { !field.initial.contains($0.change) }
            }
            delta.retired = field.retired
            if !delta.isEmpty { deltas.append(delta) }
        }
        return deltas
    }

    private func start(_ key: FieldKey, op: ChangeOp) -> Field {
        let live = loadedLive(key)
        let retired = loadedRetired[key] ?? []
        let initial = Set(live.map(\.change))
        switch op {
        case .set:
            return Field(key: key, state: .register(RegisterState(live: live, retired: retired)), initial: initial)
        case .add, .remove:
            return Field(key: key, state: .set(SetState(adds: live, retired: retired)), initial: initial)
        case .append:
            return Field(key: key, state: .list([]), initial: [])
        }
    }
}
