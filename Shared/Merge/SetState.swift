/// The merge state of one add-wins set field of one entity.
///
/// An element is present iff some `add` of it is not listed in any `remove`'s `supersedes`: a remove only takes
/// away the adds its author saw, so an add concurrent with a remove wins.
public struct SetState: Hashable, Sendable {
    /// The adds not yet removed, by change id.
    public private(set) var adds: [ChangeID: Version]
    public private(set) var retired: Set<ChangeID>

    /// What one `apply` changed, for stores that persist the state incrementally.
    public struct Delta: Hashable, Sendable {
        public var removed: [ChangeID] = []
        public var inserted: Version?
        public var retired: [ChangeID] = []
    }

    public init(adds: some Sequence<Version> = [], retired: Set<ChangeID> = []) {
        self.adds = Dictionary(adds.map { ($0.change, $0) }, uniquingKeysWith: { a, _ in a })
        self.retired = retired
    }

    /// Folds in an `add` or `remove` change of this field.
    @discardableResult
    public mutating func apply(_ change: Change) -> Delta {
        var delta = Delta()
        switch change.op {
        case .add:
            if !retired.contains(change.id) && adds[change.id] == nil {
                let version = Version(change)
                adds[change.id] = version
                delta.inserted = version
            }
        case .remove:
            for id in change.supersedes where id != change.id {
                if retired.insert(id).inserted { delta.retired.append(id) }
                if adds.removeValue(forKey: id) != nil { delta.removed.append(id) }
            }
        case .set, .append:
            break
        }
        return delta
    }

    /// The present elements, sorted.
    public var elements: [String] { SetState.elements(of: adds.values) }

    /// The present elements given the live adds, sorted and unique.
    public static func elements(of adds: some Sequence<Version>) -> [String] {
        Set(adds.map(\.value.description)).sorted()
    }
}
