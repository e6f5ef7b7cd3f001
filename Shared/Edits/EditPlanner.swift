/// Decides what a new change supersedes, and whether its author may write it: the rules of protocol.md §4–§5 that
/// the CLI applies offline and the server enforces again.
public enum EditPlanner {
    /// Statuses only an adjudicator may set.
    public static let adjudicatorStatuses: Set<String> = ["reviewed", "rejected"]

    /// The `supersedes` of a plain `set` of a register with `live` versions.
    ///
    /// A coded field (protocol.md §11) holds votes: the edit replaces only the author's own versions, and another
    /// analyst's version stays beside it (an agreement or a conflict). A descriptive field is co-edited
    /// (protocol.md §16): the edit replaces every live version, settling a conflict if there is one.
    public static func supersedesForSet(live: [Version], author: AnalystName, coded: Bool = false) -> [ChangeID] {
        let replaced = coded ? live.filter { $0.author == author } : live
        return replaced.map(\.change).sorted()
    }

    /// Checks the author may write `value` to `field` at all.
    public static func authorize(field: String, value: FieldValue, role: Role) throws(EditError) {
        if field == "status", role != .adjudicator, let s = value.string, adjudicatorStatuses.contains(s) {
            throw .notAdjudicator(action: "set status to \(s)")
        }
    }

    /// Checks an edit of `field` that replaces `live` is the author's to make, before it is written: the CLI's
    /// offline copy of the server's ``checkSupersedes(_:superseded:role:)`` for what a plain edit supersedes.
    public static func authorizeReplacing(field: String, live: [Version], role: Role) throws(EditError) {
        if field == "status", role != .adjudicator,
            let decided = live.first(where: { adjudicatorStatuses.contains($0.value.string ?? "") })
        {
            throw .notAdjudicator(action: "replace the status \(decided.value) that \(decided.author) set")
        }
    }

    /// The `supersedes` of a resolution: every live version. Only adjudicators resolve, and only fields in conflict.
    public static func resolution(field: String, live: [Version], role: Role) throws(EditError) -> [ChangeID] {
        guard role == .adjudicator else { throw .notAdjudicator(action: "resolve a conflict") }
        guard let resolved = ResolvedRegister(live: live), resolved.conflict else { throw .noConflict(field: field) }
        return live.map(\.change).sorted()
    }

    /// The `supersedes` of a delete: the live versions of `deleted`, plus as context every live version of the entity.
    ///
    /// When `deleted` is itself in conflict (a delete raced a restore) and `author` is given, only the author's own
    /// `deleted` candidates are replaced, as for any field in conflict; pass nil for an adjudicator's resolution.
    public static func delete(_ snapshot: EntitySnapshot, author: AnalystName?) -> [ChangeID] {
        var ids = Set(snapshot.liveChangeIDs)
        for other in othersCandidatesOfDeleted(snapshot, author: author) { ids.remove(other) }
        return ids.sorted()
    }

    /// The `supersedes` of a restore (`deleted=false`): the live versions of `deleted` (only the author's own when
    /// `deleted` is in conflict and `author` is given).
    public static func restore(_ snapshot: EntitySnapshot, author: AnalystName?) throws(EditError) -> [ChangeID] {
        guard let register = snapshot.fields[EntitySnapshot.deletedField], snapshot.deleted else {
            throw .notDeleted(snapshot.id)
        }
        let others = Set(othersCandidatesOfDeleted(snapshot, author: author))
        return register.candidates.map(\.change).filter { !others.contains($0) }.sorted()
    }

    /// Other analysts' candidates of a `deleted` register in conflict: what a non-adjudicator must not supersede.
    private static func othersCandidatesOfDeleted(_ snapshot: EntitySnapshot, author: AnalystName?) -> [ChangeID] {
        guard let author, let register = snapshot.fields[EntitySnapshot.deletedField], register.conflict else {
            return []
        }
        return register.candidates.filter { $0.author != author }.map(\.change)
    }

    /// The `supersedes` of a `remove` of `element`: every present add of it or, in a coded field, every present
    /// add of it by `author` (another analyst's coding of the element stays).
    public static func remove(element: String, adds: [Version], field: String, author: AnalystName? = nil)
        throws(EditError) -> [ChangeID]
    {
        let present = adds.filter { $0.value.description == element }
        guard !present.isEmpty else { throw .notInSet(element: element, field: field) }
        guard let author else { return present.map(\.change).sorted() }
        let own = present.filter { $0.author == author }
        guard !own.isEmpty else {
            throw .notYourVote(field: field, other: present.map(\.author).min()!, action: "remove \"\(element)\"")
        }
        return own.map(\.change).sorted()
    }

    /// Checks that `change` replaces only what its author may replace: the rules of protocol.md §5, §11 and §16 the
    /// server enforces on every push. `superseded` are the versions of the change's own entity and field that it
    /// lists, live or not (ids of other fields are context, never superseded, and not checked here).
    ///
    /// The verdict depends only on the change, the changes it lists and the author's role, never on which other
    /// changes have arrived since, so it is the same whatever order concurrent pushes reach a server in and however
    /// a client splits its pushes (the server also refuses a change that lists an id it does not hold):
    /// - On a coded field, an analyst may not supersede or remove another analyst's version
    ///   (``EditError/notYourVote(field:other:action:)``: forbidden); an adjudicator's `set` or `remove` that does
    ///   is a resolution and must carry a non-empty reason (``EditError/reasonRequired(field:)``: invalid).
    /// - Descriptive fields are co-edited: anyone may replace anyone's version, and an edit that supersedes every
    ///   candidate of a conflict settles it.
    /// - Only an adjudicator may replace a `status` of `reviewed` or `rejected`.
    public static func checkSupersedes(_ change: Change, superseded: [Version], role: Role) throws(EditError) {
        if change.field == "status", role != .adjudicator,
            let decided = superseded.first(where: { adjudicatorStatuses.contains($0.value.string ?? "") })
        {
            throw .notAdjudicator(action: "replace the status \(decided.value) that \(decided.author) set")
        }
        let others = superseded.filter { $0.author != change.author }
        guard let other = others.map(\.author).min(), Schema.isCoded(change.field, of: change.entity.kind) else {
            return
        }
        if role == .adjudicator {
            if !Reason.isGiven(change.reason) { throw .reasonRequired(field: change.field) }
            return
        }
        let action = change.op == .remove ? "remove \"\(change.value)\"" : "replace their \(change.field)"
        throw .notYourVote(field: change.field, other: other, action: action)
    }

    /// Whether superseding these versions decides between different values (several live versions that
    /// disagree). The vote rules no longer turn on it (``checkSupersedes(_:superseded:role:)`` judges by authors);
    /// it describes a change, as in the history of a conflict.
    public static func isResolution(superseding live: [Version]) -> Bool {
        Set(live.map(\.value)).count > 1
    }
}

/// An edit refused before anything was written.
public enum EditError: Error, Hashable, Sendable, CustomStringConvertible {
    case notAdjudicator(action: String)
    case noConflict(field: String)
    case notDeleted(EntityID)
    case deleted(EntityID)
    case notInSet(element: String, field: String)
    /// An analyst tried to replace another analyst's coding (protocol.md §11).
    case notYourVote(field: String, other: AnalystName, action: String)
    /// A resolution without a reason.
    case reasonRequired(field: String)
    /// An analyst tried to submit a document for someone else (protocol.md §15).
    case othersSubmission(other: String)

    public var description: String {
        switch self {
        case .notAdjudicator(let action):
            return "only an adjudicator may \(action); ask an adjudicator, or give your view as a note"
        case .noConflict(let field):
            return "\(field) has no conflict to resolve; use `concord event set` to change it"
        case .notDeleted(let id):
            return "\(id) is not deleted"
        case .deleted(let id):
            return "\(id) is deleted; restore it first with `concord event restore`"
        case .notInSet(let element, let field):
            return "\"\(element)\" is not in \(field)"
        case .notYourVote(let field, let other, let action):
            return
                "\(field) is a coded field and \(other) coded it: an analyst may not \(action) (only an adjudicator "
                + "decides between codings); your own coding stands beside theirs, and `concord conflicts` lists "
                + "the disagreement"
        case .reasonRequired(let field):
            return "a resolution of \(field) must give its reason; add --reason \"...\""
        case .othersSubmission(let other):
            return "an analyst submits only their own coding, not \(other)'s; \(other) runs `concord submit` themself"
        }
    }
}
