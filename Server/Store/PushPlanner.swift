import ConcordCore

/// Checks a pushed batch against what the store holds and folds it through the ConcordCore merge, without I/O.
///
/// Every store loads a ``PushPlanner/Context`` in bulk inside its write transaction, asks for a ``PushPlan``, and
/// persists the plan's net deltas. Changes earlier in the batch count when checking later ones (a resolution is
/// judged against the live versions after the batch's earlier changes).
public struct PushPlanner: Sendable {
    /// What the store holds that the batch touches.
    public struct Context: Sendable {
        /// Stored changes whose ids occur in the batch.
        public var existing: [ChangeID: Change] = [:]
        /// Live register versions and set adds of every field of the batch's entities (notes are not needed).
        public var live: [FieldKey: [Version]] = [:]
        /// Ids of the batch already retired in the field of the same (entity, field).
        public var retired: [FieldKey: Set<ChangeID>] = [:]

        public init() {}
    }

    /// The net effect of one field.
    public struct FieldDelta: Hashable, Sendable {
        /// Versions that become live.
        public var inserted: [Version] = []
        /// Ids of previously live versions that are no longer live.
        public var removed: [ChangeID] = []
        /// Ids newly retired in this field.
        public var retired: [ChangeID] = []
    }

    /// What to persist for an accepted batch.
    public struct Plan: Sendable {
        /// The new changes, in batch order.
        public var accepted: [Change] = []
        /// The position in the pushed batch of each change of ``accepted``.
        public var acceptedIndices: [Int] = []
        public var duplicates = 0
        public var fields: [FieldKey: FieldDelta] = [:]
    }

    public let analyst: AnalystRecord
    /// The server's clock, Unix ms.
    public let now: Int64

    public init(analyst: AnalystRecord, now: Int64) {
        self.analyst = analyst
        self.now = now
    }

    /// The entities whose live rows a store must load into ``Context/live``.
    public static func entities(of changes: [Change]) -> Set<EntityID> { Set(changes.map(\.entity)) }

    private enum Working {
        case register(RegisterState, initial: Set<ChangeID>)
        case set(SetState, initial: Set<ChangeID>)
        case list
    }

    /// Checks every change and returns either the plan or the refused changes.
    public func plan(_ changes: [Change], context: Context) -> Result<Plan, PushRefusal> {
        var plan = Plan()
        var forbidden: [Wire.RefusedChange] = []
        var invalid: [Wire.RefusedChange] = []
        var seen: [ChangeID: Int] = [:]
        var working: [FieldKey: Working] = [:]
        var retired: [FieldKey: [ChangeID]] = [:]
        var notes: [FieldKey: [Version]] = [:]
        // A batch holds up to 10k changes: size the tables once instead of rehashing them as they grow.
        seen.reserveCapacity(changes.count)
        working.reserveCapacity(changes.count)
        plan.accepted.reserveCapacity(changes.count)
        plan.acceptedIndices.reserveCapacity(changes.count)

        for (index, change) in changes.enumerated() {
            func refuse(_ message: String, forbidding: Bool = false) {
                let entry = Wire.RefusedChange(index: index, id: change.id.rawValue, error: message)
                if forbidding { forbidden.append(entry) } else { invalid.append(entry) }
            }
            if let earlier = seen[change.id] {
                if changes[earlier] == change {
                    plan.duplicates += 1
                } else {
                    refuse("id reused with different content: change \(earlier) of this batch has the same id")
                }
                continue
            }
            seen[change.id] = index
            if let stored = context.existing[change.id] {
                if stored == change {
                    plan.duplicates += 1
                } else {
                    refuse("id reused with different content: the server already has a different change \(change.id)")
                }
                continue
            }
            // A newer client's change (DESIGN §12): refused whole, as this server cannot check or merge its field.
            if !Schema.understands(change) {
                refuse(
                    "this change was written under schema \(change.schema), newer than this server's "
                        + "(\(Schema.version)): upgrade the server")
                continue
            }
            do {
                try Schema.validate(change)
            } catch {
                refuse(error.description)
                continue
            }
            if change.hlc.isTooFarAhead(of: now) {
                refuse(
                    "clock ahead: hlc \(change.hlc) is more than \(HLC.maximumDrift / 60_000) minutes ahead of the "
                        + "server's clock (\(now) ms); fix the clock of the machine that wrote it")
                continue
            }
            if change.author != analyst.name {
                refuse(
                    "author is \(change.author) but the token belongs to \(analyst.name); an analyst may push only "
                        + "changes they wrote", forbidding: true)
                continue
            }
            do {
                try EditPlanner.authorize(field: change.field, value: change.value, role: analyst.role)
            } catch {
                refuse(error.description, forbidding: true)
                continue
            }
            let key = FieldKey(change)
            var state = working[key] ?? initialState(for: key, change: change, context: context)
            if !change.supersedes.isEmpty {
                let live: [Version]
                switch state {
                case .register(let register, _): live = Array(register.live.values)
                case .set(let set, _): live = Array(set.adds.values)
                case .list: live = []
                }
                do {
                    try EditPlanner.checkSupersedes(change, live: live, role: analyst.role)
                } catch {
                    if case .reasonRequired = error {
                        refuse(error.description)
                    } else {
                        refuse(error.description, forbidding: true)
                    }
                    continue
                }
            }
            // Fold in every acceptable change, even once the batch is refused, so later changes are judged
            // against the same state they would be judged against if the refused ones were set aside.
            switch state {
            case .register(var register, let initial):
                let delta = register.apply(change)
                retired[key, default: []] += delta.retired
                state = .register(register, initial: initial)
            case .set(var set, let initial):
                let delta = set.apply(change)
                retired[key, default: []] += delta.retired
                state = .set(set, initial: initial)
            case .list:
                notes[key, default: []].append(Version(change))
            }
            working[key] = state
            plan.accepted.append(change)
            plan.acceptedIndices.append(index)
        }

        if !forbidden.isEmpty || !invalid.isEmpty {
            let all = (forbidden + invalid).sorted { $0.index < $1.index }
            return .failure(PushRefusal(reason: forbidden.isEmpty ? .invalid : .forbidden, refused: all))
        }
        plan.fields.reserveCapacity(working.count)
        for (key, state) in working {
            var delta = FieldDelta()
            switch state {
            case .register(let register, let initial):
                delta.inserted = register.live.values.filter { !initial.contains($0.change) }
                delta.removed = initial.filter { register.live[$0] == nil }.sorted()
            case .set(let set, let initial):
                delta.inserted = set.adds.values.filter { !initial.contains($0.change) }
                delta.removed = initial.filter { set.adds[$0] == nil }.sorted()
            case .list:
                delta.inserted = notes[key] ?? []
            }
            delta.retired = retired[key] ?? []
            if !delta.inserted.isEmpty || !delta.removed.isEmpty || !delta.retired.isEmpty {
                plan.fields[key] = delta
            }
        }
        return .success(plan)
    }

    private func initialState(for key: FieldKey, change: Change, context: Context) -> Working {
        let live = context.live[key] ?? []
        let retired = context.retired[key] ?? []
        let ids = Set(live.map(\.change))
        switch change.op {
        case .set: return .register(RegisterState(live: live, retired: retired), initial: ids)
        case .add, .remove: return .set(SetState(adds: live, retired: retired), initial: ids)
        case .append: return .list
        }
    }
}
