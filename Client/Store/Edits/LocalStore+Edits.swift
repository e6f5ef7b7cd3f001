import ConcordCore
import ConcordSQLite
import GRDB

extension LocalStore {
    /// Creates an event; returns its full id.
    public func addEvent(_ draft: EventDraft) throws -> EntityID {
        try edit { writer in
            var documents = DocumentCache()
            do {
                return try Self.add(draft, &writer, &documents)
            } catch let problem as FieldProblem {
                throw StoreError.invalid("\(problem.field): \(problem.message)")
            }
        }
    }

    /// Checks a draft and writes its changes; throws ``FieldProblem`` naming the field at fault.
    static func add(_ draft: EventDraft, _ writer: inout ChangeWriter, _ documents: inout DocumentCache) throws
        -> EntityID
    {
        for name in Schema.requiredEventFields where (draft.values[name] ?? "").isEmpty {
            throw FieldProblem(
                field: name, message: "missing; an event needs \(Schema.requiredEventFields.joined(separator: " and "))"
            )
        }
        for name in draft.values.keys where !EventDraft.registerFields.contains(name) {
            throw FieldProblem(
                field: name, message: "unknown field; expected one of " + EventDraft.importKeys.joined(separator: ", "))
        }
        let doc = try documents.entityID(matching: draft.values["doc"]!, writer.db)
        var values: [(String, FieldValue)] = []
        for name in EventDraft.registerFields {
            guard var text = draft.values[name].map({ Schema.canonicalInput($0, field: name) }) else { continue }
            if name == "doc" { text = doc.rawValue }
            if text.isEmpty && name != "doc" && name != "title" { continue }
            let value = FieldValue.string(text)
            do throws(ValidationError) { try Schema.validate(value: value, field: name, of: .event) } catch {
                throw FieldProblem(field: name, message: error.description)
            }
            do throws(EditError) { try EditPlanner.authorize(field: name, value: value, role: writer.role) } catch {
                throw FieldProblem(field: name, message: error.description)
            }
            if name == "evidence" {
                try documents.checkEvidence(text, in: doc, writer.db)
            }
            values.append((name, value))
        }
        if let mode = draft.values["mode"].map({ Schema.canonicalInput($0, field: "mode") }), !mode.isEmpty {
            guard let type = draft.values["type"].map({ Schema.canonicalInput($0, field: "type") }) else {
                throw FieldProblem(
                    field: "mode",
                    message: "a mode needs a type: give the event's type too (a mode is one of its modes)")
            }
            if let problem = Plover.problem(mode: mode, type: type) {
                throw FieldProblem(field: "mode", message: problem)
            }
        }
        if let problem = Self.datesProblem(
            date: draft.values["date"].flatMap { $0.isEmpty ? nil : $0 },
            endDate: draft.values["end_date"].flatMap { $0.isEmpty ? nil : $0 })
        {
            throw FieldProblem(field: "end_date", message: problem)
        }
        var elements: [(String, String)] = []
        for field in EventDraft.setFields {
            let list = draft.elements[field] ?? []
            var seen = Set<String>()
            for element in list.lazy.map({ Schema.canonicalInput($0, field: field) })
            where seen.insert(element).inserted {
                do throws(ValidationError) {
                    try Schema.validate(value: .string(element), field: field, of: .event)
                } catch {
                    throw FieldProblem(field: field, message: error.description)
                }
                if field == "quotes" {
                    do { try documents.checkEvidence(element, in: doc, writer.db) } catch let problem as FieldProblem {
                        throw FieldProblem(field: "quotes", message: problem.message)
                    }
                }
                elements.append((field, element))
            }
        }
        let event = EntityID.event(writer.newID())
        for (name, value) in values { writer.write(event, name, .set, value) }
        for (field, element) in elements { writer.write(event, field, .add, .string(element)) }
        return event
    }

    /// Why an end date cannot go with a date (protocol.md §17: never before it), or nil. Partial dates compare by
    /// the days they cover: an end may not end before the date begins.
    static func datesProblem(date: String?, endDate: String?) -> String? {
        guard let date, let endDate, let start = CodingDate.range(of: date), let end = CodingDate.range(of: endDate),
            end.last < start.first
        else { return nil }
        return "the end date \(endDate) is before the date \(date); an event ends on or after the day it begins"
    }

    /// Loads an event for editing: refuses unknown and deleted events.
    private static func editable(_ reference: String, _ db: Database) throws -> LiveEntity {
        let id = try entityID(matching: reference, kind: .event, db)
        let stored = try LiveRows.version.load(id, db)
        if stored.snapshot.deleted { throw StoreError.notAllowed(.deleted(id)) }
        return stored
    }

    /// `concord event set EVENT FIELD VALUE`: writes a register field.
    ///
    /// In a conflict the new version replaces only the author's own candidate (see ``EditPlanner``), and the
    /// outcome says so. Setting the value a field already shows, outside a conflict, writes nothing.
    public func set(_ reference: String, field: String, value text: String) throws -> EditOutcome {
        try edit { writer in
            let stored = try Self.editable(reference, writer.db)
            if field == "type" {
                try Self.checkModeFits(
                    newType: Schema.canonicalInput(text, field: "type"), stored, settingMode: false, &writer)
            }
            return try Self.set(field, to: text, of: stored, with: PendingValues(), &writer)
        }
    }

    /// A type change that leaves the writer's own mode invalid for the new type must set a valid mode or clear it
    /// in the same command (protocol.md §16), for analysts and adjudicators alike: refused otherwise, naming the
    /// modes the type allows.
    static func checkModeFits(newType: String, _ stored: LiveEntity, settingMode: Bool, _ writer: inout ChangeWriter)
        throws
    {
        guard !settingMode else { return }
        let own = (stored.registers["mode"] ?? []).filter { $0.author == writer.analyst }.inMergeOrder().last
        guard let mode = own?.value.string, !mode.isEmpty, Plover.problem(mode: mode, type: newType) != nil else {
            return
        }
        let allowed = Plover.modes[newType] ?? []
        throw StoreError.invalid(
            "your mode \"\(mode)\" does not fit type \(newType); change both at once: `concord event edit "
                + "\(stored.id.id) --type \(newType) "
                + (allowed.isEmpty
                    ? "--clear mode` (\(newType) has no modes)"
                    : "--mode M` (one of "
                        + allowed.joined(separator: ", ") + ") or `--clear mode`"))
    }

    /// Clears a register (protocol.md §16): on a coded field, the writer's own vote becomes "no value" (another
    /// coder's stays); on a descriptive field, the field has no value from now on.
    static func clear(_ field: String, of stored: LiveEntity, _ writer: inout ChangeWriter) throws -> EditOutcome {
        guard Schema.clearableEventFields.contains(field) else {
            throw StoreError.invalid(
                "\(field) cannot be cleared; the fields that can are "
                    + Schema.clearableEventFields.sorted().joined(separator: ", ")
                    + (Schema.requiredEventFields.contains(field) ? " (\(field) is required)" : ""))
        }
        let live = stored.registers[field] ?? []
        let coded = Schema.isCoded(field, of: .event)
        let replaced = coded ? live.filter { $0.author == writer.analyst } : live
        guard replaced.contains(where: { $0.value != .string("") }) else {
            return EditOutcome(
                entity: stored.id, changes: [],
                notices: ["\(coded ? "your coding of " : "")\(field) has no value; nothing written"])
        }
        if !coded {
            do throws(EditError) {
                try EditPlanner.authorizeReplacing(field: field, live: live, role: writer.role)
            } catch {
                throw StoreError.notAllowed(error)
            }
        }
        let change = writer.write(stored.id, field, .set, .string(""), supersedes: replaced.map(\.change).sorted())
        return EditOutcome(entity: stored.id, changes: [change], notices: ["cleared \(field) of \(stored.id)"])
    }

    /// The values an edit of several fields writes that the checks of the others read: a new type for the mode, a
    /// new document and evidence for each other.
    struct PendingValues {
        var type: String?
        var doc: EntityID?
        var evidence: String?
        /// The dates the same edit writes (an end date is checked against the date given with it).
        var date: String?
        var endDate: String?
    }

    /// Writes register `field` of `stored` (one step of ``set(_:field:value:)`` or ``editEvent(_:_:)``): checks the
    /// value, and writes nothing when it is already the displayed value or the analyst's own vote.
    private static func set(
        _ field: String, to text: String, of stored: LiveEntity, with pending: PendingValues,
        _ writer: inout ChangeWriter
    ) throws -> EditOutcome {
        let text = Schema.canonicalInput(text, field: field)
        let id = stored.id
        guard let schemaField = Schema.field(field, of: .event) else {
            throw StoreError.invalid(
                "unknown field \"\(field)\"; event fields are "
                    + Schema.eventFields.map(\.name).joined(separator: ", "))
        }
        switch schemaField.kind {
        case .set:
            let verbs = field == "actors" ? "add-actor / remove-actor" : "tag / untag"
            throw StoreError.invalid("\(field) is a set; use `concord event \(verbs) EVENT VALUE`")
        case .list:
            throw StoreError.invalid("notes are append-only; use `concord event note EVENT TEXT`")
        case .register:
            break
        }
        if field == EntitySnapshot.deletedField {
            throw StoreError.invalid("use `concord event delete` or `concord event restore` to change deleted")
        }
        var value = FieldValue.string(text)
        var documents = DocumentCache()
        if field == "doc" {
            let doc = try Self.entityID(matching: text, kind: .document, writer.db)
            value = .string(doc.rawValue)
            // The evidence must stay a quote of the event's article: the one written with this edit, else
            // the one it shows.
            if let quote = pending.evidence ?? stored.snapshot.fields["evidence"]?.value.string {
                do { try documents.checkEvidence(quote, in: doc, writer.db) } catch let problem as FieldProblem {
                    throw StoreError.invalid(
                        "doc: the event's evidence does not occur in the text of \(doc); give evidence quoted "
                            + "from that article with the same command (`concord event edit EVENT --doc "
                            + "\(text) --evidence QUOTE`) (\(problem.message))")
                }
            }
        }
        do throws(ValidationError) { try Schema.validate(value: value, field: field, of: .event) } catch {
            throw StoreError.invalidValue(error)
        }
        do throws(EditError) { try EditPlanner.authorize(field: field, value: value, role: writer.role) } catch {
            throw StoreError.notAllowed(error)
        }
        if field == "evidence" {
            guard let doc = pending.doc ?? stored.snapshot.fields["doc"]?.value.string.flatMap({ try? EntityID($0) })
            else {
                throw StoreError.refused("\(id) has no document to check the evidence against; set doc first")
            }
            do { try documents.checkEvidence(text, in: doc, writer.db) } catch let problem as FieldProblem {
                throw StoreError.invalid("evidence: \(problem.message)")
            }
        }
        if field == "date" || field == "end_date" {
            // The writer's own dates: what they coded (a coded field is a vote), else what the event shows.
            func own(_ name: String) -> String? {
                if name == field { return text }
                if let pendingValue = name == "date" ? pending.date : pending.endDate { return pendingValue }
                let mine = stored.registers[name]?.filter { $0.author == writer.analyst }.inMergeOrder().last
                return (mine?.value ?? stored.snapshot.fields[name]?.value)?.string.flatMap { $0.isEmpty ? nil : $0 }
            }
            if let problem = Self.datesProblem(date: own("date"), endDate: own("end_date")) {
                throw StoreError.invalid("\(field): \(problem)")
            }
        }
        if field == "mode" {
            let ownType = stored.registers["type"]?.filter { $0.author == writer.analyst }.inMergeOrder().last
            let type = pending.type ?? (ownType?.value ?? stored.snapshot.fields["type"]?.value)?.string
            guard let type, !type.isEmpty else {
                throw StoreError.invalid("a mode needs a type: set the event's type first, or give --type with --mode")
            }
            if let problem = Plover.problem(mode: text, type: type) { throw StoreError.invalid(problem) }
        }
        let live = stored.registers[field] ?? []
        let coded = Schema.isCoded(field, of: .event)
        let resolved = ResolvedRegister(live: live)
        var notices: [String] = []
        if coded {
            let own = live.filter { $0.author == writer.analyst }
            if !own.isEmpty && own.allSatisfy({ $0.value == value }) {
                return EditOutcome(
                    entity: id, changes: [],
                    notices: ["your coding of \(field) is already \"\(text)\"; nothing written"])
            }
            notices += Self.voteNotices(field: field, value: value, live: live, author: writer.analyst)
        } else {
            if let resolved, !resolved.conflict, resolved.value == value {
                return EditOutcome(
                    entity: id, changes: [], notices: ["\(field) is already \"\(text)\"; nothing written"])
            }
            do throws(EditError) {
                try EditPlanner.authorizeReplacing(field: field, live: live, role: writer.role)
            } catch {
                throw StoreError.notAllowed(error)
            }
            if resolved?.conflict == true {
                let others = Set(live.map(\.author)).subtracting([writer.analyst]).map(\.rawValue).sorted()
                notices.append(
                    "\(field) was in conflict: your edit settles it, replacing every candidate (descriptive fields "
                        + "are co-edited; the report says you settled it\(others.isEmpty ? "" : ", over " + others.joined(separator: ", ")))"
                )
            }
        }
        let supersedes = EditPlanner.supersedesForSet(live: live, author: writer.analyst, coded: coded)
        let change = writer.write(id, field, .set, value, supersedes: supersedes)
        return EditOutcome(entity: id, changes: [change], notices: notices)
    }

    /// `concord event edit EVENT --FIELD V ...`: several fields of one event in one transaction, so the event is
    /// never seen half-edited and a refused value writes nothing at all.
    ///
    /// Register fields are written in ``EventDraft/registerFields`` order, each as `concord event set` would (a
    /// value already shown, or already the analyst's vote, writes nothing); the checks that read another field see
    /// this edit's value of it (a new type for the mode, a new document for the evidence and the other way round).
    /// Then set elements are added and removed as `add-actor`/`remove-actor` and their kin would.
    public func editEvent(_ reference: String, _ edit: EventEdit) throws -> EditOutcome {
        guard !edit.isEmpty else {
            throw StoreError.invalid(
                "nothing to change; give at least one option, e.g. `concord event edit EVENT --type CONSULT`")
        }
        return try self.edit { writer in
            let stored = try Self.editable(reference, writer.db)
            for name in edit.values.keys where !EventDraft.registerFields.contains(name) {
                throw StoreError.invalid(
                    "unknown field \"\(name)\"; `event edit` changes "
                        + EventDraft.registerFields.joined(separator: ", "))
            }
            var pending = PendingValues(
                type: edit.values["type"].map { Schema.canonicalInput($0, field: "type") },
                evidence: edit.values["evidence"], date: edit.values["date"], endDate: edit.values["end_date"])
            if let doc = edit.values["doc"] {
                pending.doc = try Self.entityID(matching: doc, kind: .document, writer.db)
            }
            var outcome = EditOutcome(entity: stored.id, changes: [])
            func merge(_ step: EditOutcome) {
                outcome.changes += step.changes
                outcome.notices += step.notices
            }
            for name in edit.cleared where edit.values[name] != nil {
                throw StoreError.invalid("--clear \(name) and --\(name) cannot go together; give one")
            }
            if let type = pending.type {
                try Self.checkModeFits(
                    newType: type, stored, settingMode: edit.values["mode"] != nil || edit.cleared.contains("mode"),
                    &writer)
            }
            for name in EventDraft.registerFields {
                guard let text = edit.values[name] else { continue }
                merge(try Self.set(name, to: text, of: stored, with: pending, &writer))
            }
            for name in edit.cleared {
                merge(try Self.clear(name, of: stored, &writer))
            }
            // A new type whose modes exclude a mode another coder gave: said (it is their coding, and no view shows
            // a mode its type does not allow).
            if let type = pending.type, edit.values["mode"] == nil, !edit.cleared.contains("mode"),
                let mode = stored.snapshot.fields["mode"]?.value.string,
                let problem = Plover.problem(mode: mode, type: type)
            {
                outcome.notices.append("mode: \(problem); it is not shown while the type is \(type)")
            }
            for (field, elements) in edit.added.sorted(by: { $0.key < $1.key }) {
                for element in elements {
                    merge(try Self.addElement(field, element, to: stored, &writer))
                }
            }
            for (field, elements) in edit.removed.sorted(by: { $0.key < $1.key }) {
                for element in elements {
                    merge(try Self.removeElement(field, element, from: stored, &writer))
                }
            }
            if outcome.changes.isEmpty && outcome.notices.isEmpty { outcome.notices.append("nothing written") }
            return outcome
        }
    }

    /// `concord event add-actor|tag EVENT VALUE`. Adding an element already present writes nothing.
    ///
    /// An adjudicator's add to a coded set of an event another analyst created is a resolution (protocol.md §16):
    /// it needs `reason`, which the change carries.
    public func addElement(_ reference: String, field: String, value: String, reason: String? = nil) throws
        -> EditOutcome
    {
        try edit { writer in
            let stored = try Self.editable(reference, writer.db)
            try Self.requireReasonForAdjudicating(field, of: stored, reason: reason, action: "add to", &writer)
            return try Self.addElement(field, value, to: stored, &writer)
        }
    }

    /// On a coded set of an event another analyst created, an adjudicator's edit decides, and needs a reason; an
    /// analyst's or a descriptive field's edit takes none.
    private static func requireReasonForAdjudicating(
        _ field: String, of stored: LiveEntity, reason: String?, action: String, _ writer: inout ChangeWriter
    ) throws {
        guard writer.role == .adjudicator, Schema.isCoded(field, of: .event) else { return }
        let creator = try String.fetchOne(
            writer.db, sql: "SELECT author FROM event_creator WHERE entity = ?", arguments: [stored.id.rawValue])
        let others = Set((stored.setAdds[field] ?? []).map(\.author)).subtracting([writer.analyst])
        guard creator != writer.analyst.rawValue || !others.isEmpty else { return }
        guard let reason = Reason.given(reason) else {
            throw StoreError.invalid(
                "an adjudicator's edit to \(action) \(field) of \(creator ?? "another analyst")'s event is a resolution: "
                    + "add --reason \"why\" (it is reported), or `concord resolve EVENT \(field) --value ... --reason R`"
            )
        }
        writer.reason = reason
    }

    private static func addElement(
        _ field: String, _ value: String, to stored: LiveEntity, _ writer: inout ChangeWriter
    ) throws -> EditOutcome {
        let value = Schema.canonicalInput(value, field: field)
        do throws(ValidationError) { try Schema.validate(value: .string(value), field: field, of: .event) } catch {
            throw StoreError.invalidValue(error)
        }
        guard Schema.field(field, of: .event)?.kind == .set else {
            throw StoreError.invalid(
                "\(field) is not a set field; sets are "
                    + Schema.eventFields.filter { $0.kind == .set }.map(\.name).joined(separator: ", "))
        }
        if field == "quotes" {
            guard let doc = stored.snapshot.fields["doc"]?.value.string.flatMap({ try? EntityID($0) }) else {
                throw StoreError.refused("\(stored.id) has no document to check the quote against; set doc first")
            }
            var documents = DocumentCache()
            do { try documents.checkEvidence(value, in: doc, writer.db) } catch let problem as FieldProblem {
                throw StoreError.invalid("quotes: \(problem.message)")
            }
        }
        let adds = stored.setAdds[field] ?? []
        var notices: [String] = []
        if Schema.isCoded(field, of: .event) {
            if adds.contains(where: { $0.author == writer.analyst && $0.value.description == value }) {
                return EditOutcome(
                    entity: stored.id, changes: [],
                    notices: ["your coding of \(field) already has \"\(value)\"; nothing written"])
            }
            let others = Set(adds.filter { $0.value.description == value }.map(\.author.rawValue)).sorted()
            if !others.isEmpty {
                notices.append("\(others.joined(separator: ", ")) coded \"\(value)\" in \(field) too: an agreement")
            }
        } else if SetState.elements(of: adds).contains(value) {
            return EditOutcome(
                entity: stored.id, changes: [], notices: ["\"\(value)\" is already in \(field); nothing written"])
        }
        let change = writer.write(stored.id, field, .add, .string(value))
        return EditOutcome(entity: stored.id, changes: [change], notices: notices)
    }

    /// `concord event remove-actor|untag EVENT VALUE`: removes every add of the element this replica has seen.
    ///
    /// An adjudicator's remove of another analyst's element of a coded set is a resolution (protocol.md §16): it
    /// needs `reason`, and removes every coder's add of the element.
    public func removeElement(_ reference: String, field: String, value: String, reason: String? = nil) throws
        -> EditOutcome
    {
        try edit { writer in
            let stored = try Self.editable(reference, writer.db)
            try Self.requireReasonForAdjudicating(field, of: stored, reason: reason, action: "remove from", &writer)
            return try Self.removeElement(field, value, from: stored, &writer)
        }
    }

    private static func removeElement(
        _ field: String, _ value: String, from stored: LiveEntity, _ writer: inout ChangeWriter
    ) throws -> EditOutcome {
        let value = Schema.canonicalInput(value, field: field)
        guard Schema.field(field, of: .event)?.kind == .set else {
            throw StoreError.invalid(
                "\(field) is not a set field; sets are "
                    + Schema.eventFields.filter { $0.kind == .set }.map(\.name).joined(separator: ", "))
        }
        let supersedes: [ChangeID]
        let coded = Schema.isCoded(field, of: .event)
        let planned = Result { () throws(EditError) -> [ChangeID] in
            // An adjudicator's reasoned remove decides: every coder's add of the element goes.
            try EditPlanner.remove(
                element: value, adds: stored.setAdds[field] ?? [], field: field,
                author: coded && writer.reason == nil ? writer.analyst : nil)
        }
        switch planned {
        case .success(let ids):
            supersedes = ids
        case .failure(let error):
            if case .notYourVote = error { throw StoreError.notAllowed(error) }
            let present = SetState.elements(of: stored.setAdds[field] ?? [])
            throw StoreError.invalid(
                "\(error)"
                    + (present.isEmpty
                        ? "; \(field) is empty"
                        : "; \(field) holds " + present.map { "\"\($0)\"" }.joined(separator: ", ")))
        }
        let change = writer.write(stored.id, field, .remove, .string(value), supersedes: supersedes)
        return EditOutcome(entity: stored.id, changes: [change])
    }

    /// What a vote on a coded register means beside the other analysts' live versions.
    private static func voteNotices(field: String, value: FieldValue, live: [Version], author: AnalystName)
        -> [String]
    {
        let others = live.filter { $0.author != author }
        guard !others.isEmpty else { return [] }
        let agreeing = Set(others.filter { $0.value == value }.map(\.author.rawValue)).sorted()
        let differing = others.filter { $0.value != value }
        var notices: [String] = []
        if !agreeing.isEmpty {
            notices.append("\(agreeing.joined(separator: ", ")) coded \(field) as \"\(value)\" too: an agreement")
        }
        if !differing.isEmpty {
            let list = differing.inMergeOrder().map { "\($0.author) coded \"\($0.value)\"" }.joined(separator: ", ")
            notices.append(
                "\(field) is a coded field: your vote stands beside the others' (\(list)) as a disagreement for an "
                    + "adjudicator; `concord conflicts` lists it")
        }
        return notices
    }

    /// `concord event note EVENT TEXT`.
    public func note(_ reference: String, text: String) throws -> EditOutcome {
        try edit { writer in
            let stored = try Self.editable(reference, writer.db)
            do throws(ValidationError) { try Schema.validate(value: .string(text), field: "notes", of: .event) } catch {
                throw StoreError.invalidValue(error)
            }
            let change = writer.write(stored.id, "notes", .append, .string(text))
            return EditOutcome(entity: stored.id, changes: [change])
        }
    }

    /// `concord event delete EVENT`: a `deleted=true` that lists, as context, everything live the author saw.
    public func delete(_ reference: String) throws -> EditOutcome {
        try edit { writer in
            let id = try Self.entityID(matching: reference, kind: .event, writer.db)
            let snapshot = try LiveRows.version.load(id, writer.db).snapshot
            if snapshot.deleted && snapshot.deleteEditConflict.isEmpty {
                throw StoreError.refused("\(id) is already deleted; `concord event restore` brings it back")
            }
            let change = writer.write(
                id, EntitySnapshot.deletedField, .set, .bool(true),
                supersedes: EditPlanner.delete(snapshot, author: writer.analyst))
            return EditOutcome(entity: id, changes: [change])
        }
    }

    /// `concord event restore EVENT`: `deleted=false`, bringing the event back with all its fields.
    public func restore(_ reference: String) throws -> EditOutcome {
        try edit { writer in
            let id = try Self.entityID(matching: reference, kind: .event, writer.db)
            let snapshot = try LiveRows.version.load(id, writer.db).snapshot
            let supersedes: [ChangeID]
            do throws(EditError) {
                supersedes = try EditPlanner.restore(snapshot, author: writer.analyst)
            } catch {
                throw StoreError.notAllowed(error)
            }
            let change = writer.write(id, EntitySnapshot.deletedField, .set, .bool(false), supersedes: supersedes)
            return EditOutcome(entity: id, changes: [change])
        }
    }
}

/// Resolves document references and their texts once per command.
struct DocumentCache {
    private var ids: [String: EntityID] = [:]
    private var texts: [EntityID: String] = [:]

    mutating func entityID(matching reference: String, _ db: Database) throws -> EntityID {
        if let id = ids[reference] { return id }
        do {
            let id = try LocalStore.entityID(matching: reference, kind: .document, db)
            ids[reference] = id
            return id
        } catch let error as StoreError {
            throw FieldProblem(field: "doc", message: error.description)
        }
    }

    mutating func checkEvidence(_ quote: String, in doc: EntityID, _ db: Database) throws {
        let text: String
        if let cached = texts[doc] {
            text = cached
        } else {
            text = try LocalStore.documentText(doc.rawValue, db) ?? ""
            texts[doc] = text
        }
        guard Evidence.occurs(quote, in: text) else {
            throw FieldProblem(
                field: "evidence",
                message:
                    "the quote does not occur in the text of \(doc) (differences in spaces and quote marks are "
                    + "ignored); copy it verbatim from the article")
        }
    }
}
