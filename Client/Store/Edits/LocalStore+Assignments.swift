import ConcordCore
import ConcordSQLite
import Foundation
import GRDB

/// One document of `concord progress` (protocol.md §15).
public struct DocumentProgress: Hashable, Sendable, Encodable {
    public var id: EntityID
    public var title: String?
    public var assigned: [String]
    public var submitted: [String]
    /// When each coder submitted (ISO 8601, UTC), by name.
    public var submittedAt: [String: String]
    public var released: Bool
    /// Events each coder created in the document (deleted ones left out), by name; assignees with none show 0.
    public var events: [String: Int]
    /// Open conflicts and cluster disagreements on the document's events.
    public var disagreements: Int
    /// The document's state: `coding` while assignees have not all submitted, else `released`.
    public var state: String

    enum CodingKeys: String, CodingKey {
        case id, title, assigned, submitted, submittedAt = "submitted_at", released, events, disagreements, state
    }
}

/// A document with its coding state for this analyst (`concord docs`, `concord queue`).
public struct DocumentStanding: Hashable, Sendable {
    public var summary: DocumentSummary
    public var coding: Blinding.Document?
    public var standing: Blinding.Standing
}

extension LocalStore {
    /// `concord assign DOC... --coder NAME...` (adjudicators): adds each coder to each document's `assigned`.
    /// Coders already assigned are skipped with a notice; nothing is written for them.
    public func assign(_ documents: [String], coders: [AnalystName]) throws -> EditOutcome {
        try edit { writer in
            try Self.checkCoding(Blinding.assignedField, .add, writer)
            var changes: [Change] = []
            var notices: [String] = []
            let ids = try documents.map { try Self.codableDocument($0, writer.db) }
            for id in Self.unique(ids) {
                let state = try Self.codingState(id, writer.db)
                for coder in Self.unique(coders) {
                    if state.assigned.contains(coder) {
                        notices.append("\(coder) is already assigned to \(id); nothing written for them")
                    } else {
                        changes.append(writer.write(id, Blinding.assignedField, .add, .string(coder.rawValue)))
                    }
                }
            }
            return EditOutcome(entity: ids.first!, changes: changes, notices: notices)
        }
    }

    /// `concord assign --auto --coders a,b,c --per-doc N [DOC...]` (adjudicators): gives each document (all
    /// imported ones when none is named) assignees from `coders` until it has `perDocument` of them, each time the
    /// coder with the fewest assignments so far (ties: by name), documents in id order. The same store state and
    /// arguments always give the same assignment.
    public func autoAssign(_ documents: [String], coders: [AnalystName], perDocument: Int) throws -> EditOutcome {
        let coders = Self.unique(coders).sorted()
        guard perDocument >= 1, perDocument <= coders.count else {
            throw StoreError.invalid(
                "--per-doc \(perDocument) needs between 1 and \(coders.count) coders per document (the number of "
                    + "--coders)")
        }
        return try edit { writer in
            try Self.checkCoding(Blinding.assignedField, .add, writer)
            let ids: [EntityID]
            if documents.isEmpty {
                ids = try String.fetchAll(
                    writer.db, sql: "SELECT id FROM entity WHERE kind = 'document' AND deleted = 0 ORDER BY id"
                ).map { try EntityID($0) }
                guard !ids.isEmpty else {
                    throw StoreError.invalid("no documents to assign: import some with `concord import` first")
                }
            } else {
                ids = Self.unique(try documents.map { try Self.codableDocument($0, writer.db) }).sorted()
            }
            var load: [AnalystName: Int] = Dictionary(uniqueKeysWithValues: coders.map { ($0, 0) })
            var states: [EntityID: Blinding.Document] = [:]
            for id in ids {
                let state = try Self.codingState(id, writer.db)
                states[id] = state
                for coder in state.assigned where load[coder] != nil { load[coder]! += 1 }
            }
            var changes: [Change] = []
            var notices: [String] = []
            for id in ids {
                var assigned = Set(states[id]!.assigned)
                if assigned.count >= perDocument {
                    notices.append("\(id) already has \(assigned.count) coders; nothing written for it")
                    continue
                }
                while assigned.count < perDocument {
                    guard
                        let coder = coders.filter({ !assigned.contains($0) })
                            .min(by: { (load[$0]!, $0) < (load[$1]!, $1) })
                    else { break }
                    assigned.insert(coder)
                    load[coder]! += 1
                    changes.append(writer.write(id, Blinding.assignedField, .add, .string(coder.rawValue)))
                }
            }
            return EditOutcome(entity: ids[0], changes: changes, notices: notices)
        }
    }

    /// `concord unassign DOC --coder NAME` (adjudicators): removes the coder from the document's `assigned`.
    public func unassign(_ document: String, coder: AnalystName) throws -> EditOutcome {
        try removeName(coder, from: Blinding.assignedField, of: document) { id in
            "\(coder) is not assigned to \(id); `concord progress` lists assignees"
        }
    }

    /// `concord submit DOC`: the analyst says their coding of the document is done (an empty coding is a coding).
    /// Refused unless the document is assigned to them; submitting twice writes nothing.
    public func submit(_ document: String) throws -> EditOutcome {
        try edit { writer in
            let id = try Self.codableDocument(document, writer.db)
            let state = try Self.codingState(id, writer.db)
            guard state.assigned.contains(writer.analyst) else {
                throw StoreError.refused(
                    "\(id) is not assigned to \(writer.analyst): only its assigned coders submit it"
                        + (state.assigned.isEmpty
                            ? " (it has no assignees: it is open, nothing to submit)"
                            : " (assigned: \(state.assigned.map(\.rawValue).joined(separator: ", ")))"))
            }
            if state.submitted.contains(writer.analyst) {
                return EditOutcome(
                    entity: id, changes: [], notices: ["you already submitted \(id); nothing written"])
            }
            let change = writer.write(id, Blinding.submittedField, .add, .string(writer.analyst.rawValue))
            return EditOutcome(entity: id, changes: [change])
        }
    }

    /// `concord reopen DOC --coder NAME` (adjudicators): takes back a coder's submission, so they code the document
    /// again (blind again while another assignee has not submitted). Agreement keeps their first submission as the
    /// end of their blind coding: once submitted, they may have seen the others' work (protocol.md §15).
    public func reopen(_ document: String, coder: AnalystName) throws -> EditOutcome {
        try removeName(coder, from: Blinding.submittedField, of: document) { id in
            "\(coder) has not submitted \(id); `concord progress` lists submissions"
        }
    }

    /// Removes `coder` from the document's name set `field` (`assigned`, `submitted`), superseding every add of
    /// that name; `missing` is the refusal when there is none.
    private func removeName(
        _ coder: AnalystName, from field: String, of document: String, missing: (EntityID) -> String
    ) throws -> EditOutcome {
        try edit { writer in
            try Self.checkCoding(field, .remove, writer)
            let id = try Self.codableDocument(document, writer.db)
            let live = try LiveRows.version.load(id, writer.db)
            let adds = (live.setAdds[field] ?? []).filter { $0.value == .string(coder.rawValue) }
            guard !adds.isEmpty else { throw StoreError.invalid(missing(id)) }
            let change = writer.write(
                id, field, .remove, .string(coder.rawValue), supersedes: adds.map(\.change).sorted())
            return EditOutcome(entity: id, changes: [change])
        }
    }

    /// `concord release DOC --reason R` (adjudicators): ends blindness on the document for everyone.
    public func release(_ document: String, reason: String) throws -> EditOutcome {
        guard Reason.isGiven(reason) else {
            throw StoreError.invalid("a release must give its reason: --reason \"...\" with a visible character")
        }
        return try edit { writer in
            try Self.checkCoding(Blinding.releasedField, .set, writer)
            let id = try Self.codableDocument(document, writer.db)
            let live = try LiveRows.version.load(id, writer.db)
            let current = live.registers[Blinding.releasedField] ?? []
            if !current.isEmpty && current.allSatisfy({ $0.value == .bool(true) }) {
                return EditOutcome(entity: id, changes: [], notices: ["\(id) is already released; nothing written"])
            }
            let change = writer.write(
                id, Blinding.releasedField, .set, .bool(true), supersedes: current.map(\.change).sorted(),
                reason: reason)
            return EditOutcome(entity: id, changes: [change])
        }
    }

    /// Every document with its coding state for this store's analyst, by id.
    public func documentStandings() throws -> [DocumentStanding] {
        let metadata = try metadata()
        return try read { db in try Self.documentSnapshots(db) }.map { summary, snapshot in
            let state = Blinding.Document(snapshot)
            let coding = state.isAssigned ? state : nil
            return DocumentStanding(
                summary: summary, coding: coding,
                standing: coding?.standing(for: metadata.analyst, role: metadata.role) ?? .open)
        }
    }

    /// `concord queue`: the documents assigned to this analyst that they have not submitted.
    public func queue() throws -> [DocumentStanding] {
        try documentStandings().filter { $0.standing == .assigned }
    }

    /// `concord progress`: every document with assignees, with its coders' progress.
    public func progress() throws -> [DocumentProgress] {
        let standings = try documentStandings().filter { $0.coding != nil }
        guard !standings.isEmpty else { return [] }
        let clusters = try clusterDisagreements()
        return try read { db in
            var out: [DocumentProgress] = []
            for standing in standings {
                let coding = standing.coding!
                var events: [String: Int] = Dictionary(uniqueKeysWithValues: coding.assigned.map { ($0.rawValue, 0) })
                var eventIDs = Set<String>()
                var conflicts = 0
                // One read of the document's events: creators and ids of the live ones, conflicts of all.
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT e.id, c.author, e.conflicts, e.deleted FROM entity e
                        LEFT JOIN event_creator c ON c.entity = e.id WHERE e.kind = 'event' AND e.doc = ?
                        """, arguments: [coding.id.rawValue])
                {
                    conflicts += row[2] as Int
                    guard (row[3] as Int) == 0 else { continue }
                    eventIDs.insert(row[0])
                    if let author = row[1] as String? { events[author, default: 0] += 1 }
                }
                let clustered = clusters.filter { cluster in
                    cluster.candidates.contains { eventIDs.contains($0.event.rawValue) }
                }.count
                var submittedAt: [String: String] = [:]
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT value, MIN(hlc) FROM change WHERE entity = ? AND field = ? AND op = 'add'
                            AND state != 'rejected' GROUP BY value
                        """, arguments: [coding.id.rawValue, Blinding.submittedField])
                {
                    let name = Columns.fieldValue(row[0]).string ?? ""
                    guard coding.submitted.map(\.rawValue).contains(name), let hlc = try? HLC(row[1] as String)
                    else { continue }
                    submittedAt[name] = hlc.isoTime
                }
                out.append(
                    DocumentProgress(
                        id: coding.id, title: standing.summary.title, assigned: coding.assigned.map(\.rawValue),
                        submitted: coding.submitted.map(\.rawValue), submittedAt: submittedAt,
                        released: coding.released, events: events, disagreements: conflicts + clustered,
                        state: coding.isOpenToAll ? "released" : "coding"))
            }
            return out
        }
    }

    // MARK: Helpers

    /// Refuses a coding-field edit this store's analyst may not make, before anything is written.
    private static func checkCoding(_ field: String, _ op: ChangeOp, _ writer: ChangeWriter) throws {
        do throws(EditError) {
            try Blinding.authorize(
                field: field, op: op, value: .string(writer.analyst.rawValue), author: writer.analyst,
                role: writer.role)
        } catch {
            throw StoreError.notAllowed(error)
        }
    }

    /// A document this store has imported (its text is here), by id or unique prefix.
    private static func codableDocument(_ reference: String, _ db: Database) throws -> EntityID {
        let id = try entityID(matching: reference, kind: .document, db)
        let known = try Bool.fetchOne(
            db, sql: "SELECT 1 FROM entity WHERE id = ? AND kind = 'document'", arguments: [id.rawValue])
        guard known == true else {
            throw StoreError.invalid("\(id) is not imported here: `concord import FILE` it (or sync) first")
        }
        return id
    }

    private static func codingState(_ id: EntityID, _ db: Database) throws -> Blinding.Document {
        Blinding.Document(try LiveRows.version.load(id, db).snapshot)
    }

    private static func unique<T: Hashable>(_ items: [T]) -> [T] {
        var seen = Set<T>()
        return items.filter { seen.insert($0).inserted }
    }
}

extension LocalStore {
    /// `--date Friday` (or `yesterday`, `today`), resolved against the publication date of document `reference`
    /// (protocol.md §17): the day, and a sentence saying how it was read. Nil when `text` is not relative.
    public func resolveRelativeDate(_ text: String, document reference: String) throws -> (date: String, note: String)?
    {
        guard RelativeDate.isRelative(text) else { return nil }
        let id = try entityID(matching: reference, kind: .document)
        guard let published = try snapshot(of: id)?.fields["published"]?.value.string,
            let day = RelativeDate.resolve(text, published: published)
        else {
            throw StoreError.invalid(
                "--date \(text) is read against the article's publication date, and \(id) has none: give the date as "
                    + "YYYY-MM-DD")
        }
        return (day, "date: \(text) read as \(day) (the article was published on \(published))")
    }
}
