import ConcordCore
import ConcordSQLite
import Foundation
import GRDB

extension LocalStore {
    /// `concord resolve EVENT FIELD (--keep CHANGE | --value V) --reason R`: one change that supersedes every live
    /// version of the field, deciding the dispute. Adjudicators only; written offline like any edit.
    ///
    /// For `deleted`, this resolves a delete/edit conflict: `true` confirms the delete with a new delete that has seen
    /// every edit, `false` restores the event with all its fields.
    public func resolve(_ reference: String, field: String, keep: String?, value: String?, reason: String?) throws
        -> EditOutcome
    {
        guard (keep == nil) != (value == nil) else {
            throw StoreError.invalid(
                "give exactly one of --keep CHANGE_ID (a candidate's id or prefix) or --value VALUE")
        }
        guard let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty else {
            throw StoreError.invalid(
                "a resolution must give its reason: add --reason \"why this value\"; it is reported")
        }
        return try edit { writer in
            let id = try Self.entityID(matching: reference, kind: .event, writer.db)
            let stored = try LiveRows.version.load(id, writer.db)
            let snapshot = stored.snapshot
            guard writer.role == .adjudicator else {
                throw StoreError.refused(
                    EditError.notAdjudicator(action: "resolve a conflict").description
                        + " (your role is \(writer.role.rawValue); `concord sync` refreshes it from the server)")
            }
            guard Schema.field(field, of: .event)?.kind == .register else {
                throw StoreError.invalid(
                    "\(field) is not a register field; only register fields can be in conflict ("
                        + Schema.eventFields.filter { $0.kind == .register }.map(\.name).joined(separator: ", ") + ")")
            }
            let members = Schema.isCoded(field, of: .event) ? try Self.clusterMembers(of: id, writer.db) : []
            if members.count > 1 {
                return try Self.resolveCluster(
                    members, field: field, keep: keep, value: value, reason: reason, &writer)
            }
            let live = stored.registers[field] ?? []
            let chosen = try Self.chosenValue(keep: keep, value: value, field: field, live: live, db: writer.db)
            if field == EntitySnapshot.deletedField {
                return try Self.resolveDelete(snapshot, chosen: chosen, reason: reason, &writer)
            }
            let supersedes: [ChangeID]
            do throws(EditError) {
                supersedes = try EditPlanner.resolution(field: field, live: live, role: writer.role)
            } catch {
                throw StoreError.notAllowed(error)
            }
            let change = writer.write(id, field, .set, chosen, supersedes: supersedes, reason: reason)
            return EditOutcome(entity: id, changes: [change])
        }
    }

    /// The value a resolution writes: a candidate's (by change id prefix) or a new, validated one.
    private static func chosenValue(keep: String?, value: String?, field: String, live: [Version], db: Database) throws
        -> FieldValue
    {
        if let keep {
            let matches = live.filter { $0.change.rawValue.hasPrefix(keep.lowercased()) }
            guard matches.count == 1, let match = matches.first else {
                let list = live.inMergeOrder().map { "\($0.change) (\($0.author): \($0.value))" }.joined(
                    separator: ", ")
                throw StoreError.invalid(
                    (matches.isEmpty ? "no candidate of \(field) has id \(keep)" : "\(keep) matches several candidates")
                        + "; the candidates are " + (list.isEmpty ? "none" : list))
            }
            return match.value
        }
        let text = value!
        let parsed: FieldValue
        if field == EntitySnapshot.deletedField {
            guard text == "true" || text == "false" else {
                throw StoreError.invalid("deleted is true (confirm the delete) or false (restore the event)")
            }
            parsed = .bool(text == "true")
        } else if field == "doc" {
            parsed = .string(try entityID(matching: text, kind: .document, db).rawValue)
        } else {
            parsed = .string(text)
        }
        do throws(ValidationError) { try Schema.validate(value: parsed, field: field, of: .event) } catch {
            throw StoreError.invalidValue(error)
        }
        return parsed
    }

    private static func resolveDelete(
        _ snapshot: EntitySnapshot, chosen: FieldValue, reason: String?, _ writer: inout ChangeWriter
    ) throws -> EditOutcome {
        let deletedConflict = snapshot.fields[EntitySnapshot.deletedField]?.conflict == true
        guard deletedConflict || !snapshot.deleteEditConflict.isEmpty else {
            throw StoreError.refused(EditError.noConflict(field: EntitySnapshot.deletedField).description)
        }
        let live = snapshot.fields[EntitySnapshot.deletedField]?.candidates.map(\.change) ?? []
        let supersedes = chosen == .bool(true) ? EditPlanner.delete(snapshot, author: nil) : live.sorted()
        let change = writer.write(
            snapshot.id, EntitySnapshot.deletedField, .set, chosen, supersedes: supersedes, reason: reason)
        return EditOutcome(entity: snapshot.id, changes: [change])
    }

    /// The members of the cluster holding `id` (protocol.md §11), or just `id`.
    private static func clusterMembers(of id: EntityID, _ db: Database) throws -> [EntityID] {
        let clusters = try clusters(db)
        guard let cluster = clusters.cluster(of: id.rawValue), let members = clusters.members[cluster] else {
            return [id]
        }
        return members.map { EntityID(stored: $0) }
    }

    /// A resolution of a coded field on a member of a cluster of linked events: one change per member, each
    /// superseding that member's live versions, so every member shows the chosen value (protocol.md §11). Allowed when
    /// the cluster disagrees on the field or a member is in conflict on it. `--keep` names a candidate on any
    /// member.
    private static func resolveCluster(
        _ members: [EntityID], field: String, keep: String?, value: String?, reason: String,
        _ writer: inout ChangeWriter
    ) throws -> EditOutcome {
        let stored = try LiveRows.version.loadAll(members, writer.db)
        let snapshots = members.compactMap { stored[$0]?.snapshot }
        let disputed =
            ClusterDisagreement.list(snapshots).contains { $0.field == field }
            || snapshots.contains { $0.fields[field]?.conflict == true }
        guard disputed else {
            throw StoreError.refused(
                "\(field) has no conflict to resolve on the \(members.count) linked events of this cluster "
                    + "(\(members.map(\.rawValue).joined(separator: ", "))); use `concord event set` to change it")
        }
        let live = members.flatMap { stored[$0]?.registers[field] ?? [] }
        let chosen = try chosenValue(keep: keep, value: value, field: field, live: live, db: writer.db)
        var changes: [Change] = []
        for member in members {
            let supersedes = (stored[member]?.registers[field] ?? []).map(\.change).sorted()
            changes.append(writer.write(member, field, .set, chosen, supersedes: supersedes, reason: reason))
        }
        return EditOutcome(
            entity: members[0], changes: changes,
            notices: ["\(field) of the \(members.count) linked events is now \"\(chosen)\" on every one of them"])
    }
}
