/// What an entity looks like after the merge: every replica that has seen the same changes builds an equal snapshot.
///
/// Stores build it from what they persist (live register versions, live set adds, notes), so the rules that
/// turn those into values, conflicts and delete/edit conflicts live here once.
public struct EntitySnapshot: Hashable, Sendable {
    public var id: EntityID
    /// Register fields with at least one live version.
    public var fields: [String: ResolvedRegister]
    /// Set fields with their present elements, sorted; fields with no present element are omitted.
    public var sets: [String: [String]]
    /// Ids of the present set adds (needed for a delete's context), sorted.
    public var setAddIDs: [ChangeID]
    /// The present set adds the snapshot was built from, for ``setVotes(_:)``: kept, not derived, so a snapshot
    /// built on a hot path (every applied page) pays nothing for what only reconciliation reads. Left out of
    /// equality: ``setAddIDs`` names the same adds.
    private var setAdds: [String: [Version]]
    /// Notes in merge order.
    public var notes: [Version]
    /// Whether the displayed value of `deleted` is true.
    public var deleted: Bool
    /// Ids of live register versions, set adds and notes that the live delete did not see: written concurrently
    /// with the delete. Empty unless `deleted`. Sorted.
    public var deleteEditConflict: [ChangeID]

    /// The field name that marks deletion.
    public static let deletedField = "deleted"

    public init(id: EntityID, registers: [String: [Version]], setAdds: [String: [Version]], notes: [Version]) {
        self.id = id
        var fields: [String: ResolvedRegister] = [:]
        for (name, live) in registers {
            guard let resolved = ResolvedRegister(live: live) else { continue }
            // A cleared register (protocol.md §16) has no value, unless the clear is one candidate of a conflict.
            if !resolved.conflict && Schema.isClear(op: .set, value: resolved.value, field: name, of: id.kind) {
                continue
            }
            fields[name] = resolved
        }
        // No view shows a mode its event's type does not allow (protocol.md §16): a mode left behind by a type
        // that changed is not shown (it stays in the log and in `show --history`).
        if id.kind == .event, let mode = fields["mode"], !mode.conflict, let text = mode.value.string,
            Plover.problem(mode: text, type: fields["type"]?.value.string) != nil
        {
            fields["mode"] = nil
        }
        self.fields = fields
        var sets: [String: [String]] = [:]
        for (name, adds) in setAdds where !adds.isEmpty {
            sets[name] = SetState.elements(of: adds)
        }
        self.sets = sets
        self.setAdds = setAdds
        self.setAddIDs = setAdds.values.flatMap { $0.map(\.change) }.sorted()
        self.notes = notes.inMergeOrder()
        let deletedRegister = fields[Self.deletedField]
        deleted = deletedRegister?.value == .bool(true)

        var unseen: [ChangeID] = []
        if deleted, let deletedRegister {
            var context = Set<ChangeID>()
            for version in deletedRegister.candidates where version.value == .bool(true) {
                context.formUnion(version.context)
            }
            for (name, live) in registers where name != Self.deletedField {
                unseen += live.lazy.map(\.change).filter { !context.contains($0) }
            }
            for adds in setAdds.values {
                unseen += adds.lazy.map(\.change).filter { !context.contains($0) }
            }
            unseen += notes.lazy.map(\.change).filter { !context.contains($0) }
        }
        deleteEditConflict = unseen.sorted()
    }

    /// The register fields in conflict, sorted by name.
    public var conflictedFields: [String] { fields.filter { $0.value.conflict }.map(\.key).sorted() }

    /// Number of open conflicts: register conflicts, plus one for a delete/edit conflict.
    public var conflictCount: Int { conflictedFields.count + (deleteEditConflict.isEmpty ? 0 : 1) }

    /// Every live register version, set add and note: the context a delete lists (protocol.md §4).
    public var liveChangeIDs: [ChangeID] {
        var ids: [ChangeID] = []
        for register in fields.values { ids += register.candidates.map(\.change) }
        ids += setAddIDs
        ids += notes.map(\.change)
        return ids.sorted()
    }
}

extension EntitySnapshot {
    /// A set field's present elements by who added them: what a coder's own set on an event is (protocol.md §11,
    /// §16); empty when the field has no present element.
    public func setVotes(_ field: String) -> [AnalystName: SetVote] {
        var byAuthor: [AnalystName: [Version]] = [:]
        for add in setAdds[field] ?? [] { byAuthor[add.author, default: []].append(add) }
        return byAuthor.mapValues { own in
            SetVote(elements: SetState.elements(of: own), latest: own.inMergeOrder().last!)
        }
    }

    public static func == (a: EntitySnapshot, b: EntitySnapshot) -> Bool {
        a.id == b.id && a.fields == b.fields && a.sets == b.sets && a.setAddIDs == b.setAddIDs && a.notes == b.notes
            && a.deleted == b.deleted && a.deleteEditConflict == b.deleteEditConflict
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(fields)
        hasher.combine(sets)
        hasher.combine(setAddIDs)
        hasher.combine(notes)
        hasher.combine(deleted)
        hasher.combine(deleteEditConflict)
    }
}

/// One analyst's present elements of a set field on one event, and their latest add of them.
public struct SetVote: Hashable, Sendable {
    /// Sorted.
    public var elements: [String]
    public var latest: Version
}
