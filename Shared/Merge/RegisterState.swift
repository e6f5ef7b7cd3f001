/// The merge state of one register field of one entity: its live versions and the ids retired by `supersedes`.
///
/// `apply` is O(1 + supersedes) and idempotent, and the state it reaches does not depend on the order changes
/// arrive in: a version is live iff no known change of this (entity, field) lists it in `supersedes`.
///
/// Stores need not keep `retired` whole in memory: to apply a change they load the field's live versions and
/// whether the incoming change's own id is retired (``init(live:retired:)``), apply, and persist the ``Delta``.
public struct RegisterState: Hashable, Sendable {
    public private(set) var live: [ChangeID: Version]
    public private(set) var retired: Set<ChangeID>

    /// What one `apply` changed, for stores that persist the state incrementally.
    public struct Delta: Hashable, Sendable {
        /// Live versions that are no longer live.
        public var removed: [ChangeID] = []
        /// The new live version, if the change is live.
        public var inserted: Version?
        /// Ids newly known to be retired in this field.
        public var retired: [ChangeID] = []

        public var isEmpty: Bool { removed.isEmpty && inserted == nil && retired.isEmpty }
    }

    public init(live: some Sequence<Version> = [], retired: Set<ChangeID> = []) {
        self.live = Dictionary(live.map { ($0.change, $0) }, uniquingKeysWith: { a, _ in a })
        self.retired = retired
    }

    /// Folds in a `set` change of this field.
    @discardableResult
    public mutating func apply(_ change: Change) -> Delta {
        var delta = Delta()
        for id in change.supersedes where id != change.id {
            if retired.insert(id).inserted { delta.retired.append(id) }
            if live.removeValue(forKey: id) != nil { delta.removed.append(id) }
        }
        if !retired.contains(change.id) && live[change.id] == nil {
            let version = Version(change)
            live[change.id] = version
            delta.inserted = version
        }
        return delta
    }

    /// The field as shown to a person, or nil when it has no live version.
    public var resolved: ResolvedRegister? { ResolvedRegister(live: live.values) }
}

/// A register field's visible state: the displayed value, whether it is in conflict, and its candidates.
public struct ResolvedRegister: Hashable, Sendable {
    /// The provisional value: the value of the greatest live version by (hlc, replica, id).
    public var value: FieldValue
    /// Live versions with two or more different values.
    public var conflict: Bool
    /// The live versions in merge order: one, or several when they agree or conflict.
    public var candidates: [Version]

    /// Two or more live versions, all with one value.
    public var agreement: Bool { candidates.count > 1 && !conflict }

    public init?(live: some Sequence<Version>) {
        let ordered = live.inMergeOrder()
        guard let last = ordered.last else { return nil }
        value = last.value
        candidates = ordered
        conflict = ordered.contains { $0.value != last.value }
    }
}
