/// Blind double coding (protocol.md §15): who must code a document, who has submitted, and what each analyst may
/// see until then. Pure rules; the server enforces them on every route, the client uses the same rules to know
/// when a document it was kept blind to has opened.
public enum Blinding {
    /// Document field: add-wins set of the analysts who must code it; adjudicators only.
    public static let assignedField = "assigned"
    /// Document field: add-wins set of the assignees who said they are done; an analyst adds only their own name,
    /// only adjudicators remove one (to reopen a coding).
    public static let submittedField = "submitted"
    /// Document field: register `true`/`false`; adjudicators only. `true` ends blindness for everyone.
    public static let releasedField = "released"
    /// The three coding fields.
    public static let fields: Set<String> = [assignedField, submittedField, releasedField]

    /// The event fields whose value names another event: a change to one of them that names a withheld event is
    /// withheld too (it would tell that the event exists).
    public static let linkFields: Set<String> = [Schema.sameAsField, Schema.distinctFromField]

    /// A document's coding state.
    public struct Document: Hashable, Sendable {
        public var id: EntityID
        /// Sorted.
        public var assigned: [AnalystName]
        /// Sorted.
        public var submitted: [AnalystName]
        public var released: Bool

        public init(id: EntityID, assigned: [AnalystName], submitted: [AnalystName], released: Bool) {
            self.id = id
            self.assigned = assigned.sorted()
            self.submitted = submitted.sorted()
            self.released = released
        }

        /// The state a document snapshot shows. A `released` in conflict counts as released only when every
        /// candidate says so: blindness ends by a decision, not by a race.
        public init(_ snapshot: EntitySnapshot) {
            func names(_ field: String) -> [AnalystName] {
                (snapshot.sets[field] ?? []).compactMap { try? AnalystName($0) }
            }
            let released = snapshot.fields[Blinding.releasedField]
            self.init(
                id: snapshot.id, assigned: names(Blinding.assignedField), submitted: names(Blinding.submittedField),
                released: released.map { $0.candidates.allSatisfy { $0.value == .bool(true) } } ?? false)
        }

        /// Whether the document has assignees: a document without them is open to everyone, as before §15.
        public var isAssigned: Bool { !assigned.isEmpty }

        /// The assignees who have not submitted, sorted.
        public var pending: [AnalystName] { assigned.filter { !submitted.contains($0) } }

        /// Whether blindness has ended for everyone: released, or every assignee submitted.
        public var isOpenToAll: Bool { !isAssigned || released || pending.isEmpty }

        /// Whether `analyst` may not yet see others' coding of this document (protocol.md §15).
        public func isBlind(for analyst: AnalystName, role: Role) -> Bool {
            guard role == .analyst, !isOpenToAll else { return false }
            if assigned.contains(analyst) { return !submitted.contains(analyst) }
            return true
        }

        /// The document's state as `analyst` sees it (`concord docs`).
        public func standing(for analyst: AnalystName, role: Role) -> Standing {
            guard isAssigned else { return .open }
            if released || pending.isEmpty { return .released }
            if assigned.contains(analyst) {
                return submitted.contains(analyst) ? .submitted : .assigned
            }
            return role == .adjudicator ? .coding : .blind
        }
    }

    /// What a document is for one analyst.
    public enum Standing: String, Sendable, CaseIterable {
        /// No assignees: everyone codes and sees everything.
        case open
        /// Assigned to you and not submitted: you see only your own coding of it.
        case assigned
        /// You submitted; others assigned have not yet: you see theirs, they do not see yours.
        case submitted
        /// Assigned to others still coding it: you see none of their coding until they submit.
        case blind
        /// (Adjudicators) assigned, coders at work; adjudicators see everything.
        case coding
        /// Released, or every assignee submitted: open to all.
        case released
    }

    /// Refuses a change of a document's coding fields that `author` with `role` may not write (protocol.md §15);
    /// does nothing for other fields. The server answers 403 with the message; the CLI checks before writing.
    public static func authorize(
        field: String, op: ChangeOp, value: FieldValue, author: AnalystName, role: Role
    ) throws(EditError) {
        switch field {
        case assignedField where role != .adjudicator:
            throw .notAdjudicator(action: op == .add ? "assign coders" : "unassign coders")
        case releasedField where role != .adjudicator:
            throw .notAdjudicator(action: "release a document")
        case submittedField where role != .adjudicator:
            if op == .remove { throw .notAdjudicator(action: "reopen a submitted coding") }
            if let name = value.string, name != author.rawValue {
                throw .othersSubmission(other: name)
            }
        default:
            return
        }
    }
}

/// What one analyst may not see now (protocol.md §15): the events of the documents blind for them. Built by the
/// server for each request from the documents' states and the events' documents.
public struct Visibility: Sendable {
    public let analyst: AnalystName
    /// Documents blind for ``analyst``.
    public let blindDocuments: Set<EntityID>
    /// The events of ``blindDocuments`` (by the document their first `doc` change names), by anyone, with their
    /// document.
    public let withheldEvents: [EntityID: EntityID]

    public init(analyst: AnalystName, blindDocuments: Set<EntityID>, withheldEvents: [EntityID: EntityID]) {
        self.analyst = analyst
        self.blindDocuments = blindDocuments
        self.withheldEvents = withheldEvents
    }

    /// Sees everything.
    public static func all(_ analyst: AnalystName) -> Visibility {
        Visibility(analyst: analyst, blindDocuments: [], withheldEvents: [:])
    }

    /// Whether nothing is withheld.
    public var seesAll: Bool { withheldEvents.isEmpty }

    /// Whether `change` is withheld: written by someone else, to an event of a blind document, or naming one.
    public func withholds(_ change: Change) -> Bool {
        !withheldDocuments(entity: change.entity, field: change.field, value: change.value, author: change.author)
            .isEmpty
    }

    /// The blind documents `change` is withheld for (the one of the event it changes and the one of the event it
    /// names, when blind), empty when it is not withheld.
    public func withheldDocuments(of change: Change) -> [EntityID] {
        withheldDocuments(entity: change.entity, field: change.field, value: change.value, author: change.author)
    }

    /// ``withheldDocuments(of:)`` for a change's parts.
    public func withheldDocuments(entity: EntityID, field: String, value: FieldValue, author: AnalystName)
        -> [EntityID]
    {
        guard author != analyst, !withheldEvents.isEmpty else { return [] }
        var documents: [EntityID] = []
        if let doc = withheldEvents[entity] { documents.append(doc) }
        if Blinding.linkFields.contains(field), let text = value.string, let named = try? EntityID(text),
            let doc = withheldEvents[named], !documents.contains(doc)
        {
            documents.append(doc)
        }
        return documents
    }
}
