import ConcordCore

/// Checks a pushed batch against what the store holds and folds it through the ConcordCore merge, without I/O.
///
/// Every store loads a ``PushPlanner/Context`` in bulk inside its write transaction, asks for a ``PushPlan``, and
/// persists the plan's net deltas, which the one fold every store shares computes (``BatchFold``). Changes earlier in the batch count when checking later ones (a resolution is
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
        /// The stored changes that the batch's changes list in `supersedes` (``PushPlanner/listed(_:)``): what the
        /// vote rules judge a change by, live or not. A store may leave out those that are in ``live`` under the
        /// listing change's own (entity, field): the planner looks there first.
        public var listed: [ChangeID: Change] = [:]

        public init() {}
    }

    /// What to persist for an accepted batch.
    public struct Plan: Sendable {
        /// The new changes, in batch order.
        public var accepted: [Change] = []
        /// The position in the pushed batch of each change of ``accepted``.
        public var acceptedIndices: [Int] = []
        public var duplicates = 0
        /// The net effect of the accepted changes on each field they touch (``BatchFold``).
        public var fields: [BatchFold.Delta] = []
    }

    public let analyst: AnalystRecord
    /// The server's clock, Unix ms.
    public let now: Int64
    /// What the analyst may not see (protocol.md §15): a withheld change is judged as one the server does not
    /// hold, so no answer tells a blind analyst that it exists.
    public let visibility: Visibility

    public init(analyst: AnalystRecord, now: Int64, visibility: Visibility? = nil) {
        self.analyst = analyst
        self.now = now
        self.visibility = visibility ?? .all(analyst.name)
    }

    /// The entities whose live rows a store must load into ``Context/live``.
    public static func entities(of changes: [Change]) -> Set<EntityID> { Set(changes.map(\.entity)) }

    /// The ids the batch's changes list in `supersedes`, which a store loads into ``Context/listed`` when it holds
    /// them.
    public static func listed(_ changes: [Change]) -> Set<ChangeID> {
        var ids = Set<ChangeID>()
        for change in changes { ids.formUnion(change.supersedes) }
        return ids
    }

    /// Checks every change and returns either the plan or the refused changes.
    public func plan(_ changes: [Change], context: Context) -> Result<Plan, PushRefusal> {
        var plan = Plan()
        var forbidden: [Wire.RefusedChange] = []
        var invalid: [Wire.RefusedChange] = []
        var seen: [ChangeID: Int] = [:]
        // The batch's changes so far that passed every check, by id: what a later change of the push may list.
        var batch: [ChangeID: Change] = [:]
        var fold = BatchFold(live: context.live, retired: context.retired)
        // A batch holds up to 10k changes: size the tables once instead of rehashing them as they grow.
        seen.reserveCapacity(changes.count)
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
            // A newer client's change (protocol.md §12): refused whole, as this server cannot check or merge its field.
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
                if change.entity.kind == .document {
                    try Blinding.authorize(
                        field: change.field, op: change.op, value: change.value, author: change.author,
                        role: analyst.role)
                }
            } catch {
                refuse(error.description, forbidding: true)
                continue
            }
            if !change.supersedes.isEmpty {
                // A change may list only what the server holds or what the same push brings before it: an honest
                // client learns other analysts' changes from the server, and a change that named one the server
                // has not received yet would retire it, unseen, when it arrives.
                var superseded: [Version] = []
                var unknown: ChangeID?
                let stored = context.live[FieldKey(change)] ?? []
                for id in change.supersedes {
                    if let listed = batch[id] ?? context.listed[id].flatMap({ visibility.withholds($0) ? nil : $0 }) {
                        if listed.entity == change.entity && listed.field == change.field {
                            superseded.append(Version(listed))
                        }
                    } else if let version = stored.first(where: {
                        $0.change == id
                            && visibility.withheldDocuments(
                                entity: change.entity, field: change.field, value: $0.value, author: $0.author
                            ).isEmpty
                    }) {
                        superseded.append(version)
                    } else {
                        unknown = id
                        break
                    }
                }
                if let unknown {
                    refuse(
                        "supersedes \(unknown), a change this server does not hold: a change may replace only what "
                            + "the server has or what the same push brings before it; push that change first")
                    continue
                }
                // A remove takes away adds of its own element: one that lists an add of another element would
                // remove it while the history shows the value it names.
                if change.op == .remove, let other = superseded.first(where: { $0.value != change.value }) {
                    refuse(
                        "a remove of \"\(change.value)\" lists \(other.change), an add of \"\(other.value)\": a remove "
                            + "may list only adds of the element it removes")
                    continue
                }
                do {
                    try EditPlanner.checkSupersedes(change, superseded: superseded, role: analyst.role)
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
            fold.apply(change)
            batch[change.id] = change
            plan.accepted.append(change)
            plan.acceptedIndices.append(index)
        }

        if !forbidden.isEmpty || !invalid.isEmpty {
            let all = (forbidden + invalid).sorted { $0.index < $1.index }
            return .failure(PushRefusal(reason: forbidden.isEmpty ? .invalid : .forbidden, refused: all))
        }
        plan.fields = fold.deltas
        return .success(plan)
    }
}
