/// Decides what a new change supersedes, and whether its author may write it: the rules of DESIGN §4–§5 that
/// the CLI applies offline and the server enforces again.
public enum EditPlanner {
    /// Statuses only an adjudicator may set.
    public static let adjudicatorStatuses: Set<String> = ["reviewed", "rejected"]

    /// The `supersedes` of a plain `set` of a register with `live` versions.
    ///
    /// A field that is not in conflict is replaced whole. In a conflict, an edit replaces only the author's own
    /// candidate: they may change their position, not decide the dispute (that is ``resolution(live:keep:value:role:)``).
    public static func supersedesForSet(live: [Version], author: AnalystName) -> [ChangeID] {
        let conflict = ResolvedRegister(live: live)?.conflict ?? false
        let replaced = conflict ? live.filter { $0.author == author } : live
        return replaced.map(\.change).sorted()
    }

    /// Checks the author may write `value` to `field` at all.
    public static func authorize(field: String, value: FieldValue, role: Role) throws(EditError) {
        if field == "status", role != .adjudicator, let s = value.string, adjudicatorStatuses.contains(s) {
            throw .notAdjudicator(action: "set status to \(s)")
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

    /// The `supersedes` of a `remove` of `element`: every present add of it.
    public static func remove(element: String, adds: [Version], field: String) throws(EditError) -> [ChangeID] {
        let ids = adds.filter { $0.value.description == element }.map(\.change).sorted()
        guard !ids.isEmpty else { throw .notInSet(element: element, field: field) }
        return ids
    }

    /// Whether a change written by a `role` that superseded these versions is a resolution (several live
    /// versions with different values), which only adjudicators may write. The server calls this on every push.
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
        }
    }
}
