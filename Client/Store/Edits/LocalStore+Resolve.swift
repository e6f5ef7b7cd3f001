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
    ///
    /// Resolving `type` also settles the mode (protocol.md §16): `mode` sets it on every member, validated against
    /// the chosen type; without it, a mode the chosen type does not allow is cleared, saying so.
    public func resolve(
        _ reference: String, field: String, keep: String?, value: String?, reason: String?, mode: String? = nil
    ) throws -> EditOutcome {
        if mode != nil && field != "type" {
            throw StoreError.invalid("--mode goes with resolving type; resolve mode itself with `resolve EVENT mode`")
        }
        guard (keep == nil) != (value == nil) else {
            throw StoreError.invalid(
                "give exactly one of --keep CHANGE_ID (a candidate's id or prefix) or --value VALUE")
        }
        guard let reason = Reason.given(reason) else {
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
                if Schema.field(field, of: .event)?.kind == .set && Schema.isCoded(field, of: .event) {
                    throw StoreError.invalid(
                        "\(field) is a set: give the decided elements with --value, once each "
                            + "(concord resolve EVENT \(field) --value A --value B --reason R)")
                }
                throw StoreError.invalid(
                    "\(field) cannot be resolved; resolve a register field ("
                        + Schema.eventFields.filter { $0.kind == .register }.map(\.name).joined(separator: ", ")
                        + ") or a coded set ("
                        + Schema.eventFields.filter { $0.kind == .set && $0.coded }
                        .map(\.name).joined(separator: ", ") + ")")
            }
            let members = Schema.isCoded(field, of: .event) ? try Self.clusterMembers(of: id, writer.db) : []
            if members.count > 1 {
                var outcome = try Self.resolveCluster(
                    members, field: field, keep: keep, value: value, reason: reason, &writer)
                if field == "type", let type = outcome.changes.first?.value.string {
                    try Self.settleModes(members, type: type, mode: mode, reason: reason, &writer, into: &outcome)
                }
                return outcome
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
            var outcome = EditOutcome(entity: id, changes: [change])
            if field == "type", let type = chosen.string {
                try Self.settleModes([id], type: type, mode: mode, reason: reason, &writer, into: &outcome)
            }
            return outcome
        }
    }

    /// After a resolution of `type`: `mode` on every member (checked against the type), or a clear of every mode
    /// candidate the type does not allow, each with the resolution's reason.
    private static func settleModes(
        _ members: [EntityID], type: String, mode: String?, reason: String, _ writer: inout ChangeWriter,
        into outcome: inout EditOutcome
    ) throws {
        let chosen = mode.map { Schema.canonicalInput($0, field: "mode") }
        if let chosen, let problem = Plover.problem(mode: chosen, type: type) { throw StoreError.invalid(problem) }
        let stored = try LiveRows.version.loadAll(members, writer.db)
        for member in members {
            let live = stored[member]?.registers["mode"] ?? []
            if let chosen {
                guard live.count != 1 || live[0].value != .string(chosen) else { continue }
                outcome.changes.append(
                    writer.write(
                        member, "mode", .set, .string(chosen), supersedes: live.map(\.change).sorted(), reason: reason))
            } else {
                let invalid = live.filter {
                    guard let text = $0.value.string, !text.isEmpty else { return false }
                    return Plover.problem(mode: text, type: type) != nil
                }
                guard !invalid.isEmpty else { continue }
                outcome.changes.append(
                    writer.write(
                        member, "mode", .set, .string(""), supersedes: live.map(\.change).sorted(), reason: reason))
                outcome.notices.append(
                    "cleared the mode of \(member) ("
                        + Set(invalid.map { "\"\($0.value)\"" }).sorted().joined(separator: ", ")
                        + "), which \(type) does not allow; give --mode to set one")
            }
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
            throw StoreError.notAllowed(.noConflict(field: EntitySnapshot.deletedField))
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

    /// `concord resolve MEMBER FIELD --value V... --reason R` on a coded set (protocol.md §16): writes exactly the
    /// chosen elements to every member of the event's cluster (or to the event alone): an add of each chosen element
    /// a member lacks, and a remove of every live add of each element not chosen, all with the reason, so every
    /// member shows the same set and no change of it counts as a coder's vote. Adjudicators only; the field must be
    /// disputed (the cluster's coders' sets differ, or the event's own adds differ by coder).
    public func resolveSet(_ reference: String, field: String, values: [String], reason: String?) throws -> EditOutcome
    {
        guard let reason = Reason.given(reason) else {
            throw StoreError.invalid(
                "a resolution must give its reason: add --reason \"why these elements\"; it is reported")
        }
        guard Schema.field(field, of: .event)?.kind == .set, Schema.isCoded(field, of: .event) else {
            throw StoreError.invalid(
                "\(field) is not a coded set; the coded sets are "
                    + Schema.eventFields.filter { $0.kind == .set && $0.coded }.map(\.name).joined(separator: ", "))
        }
        var chosen: [String] = []
        for value in values {
            let element = Schema.canonicalInput(value, field: field)
            do throws(ValidationError) { try Schema.validate(value: .string(element), field: field, of: .event) } catch
            {
                throw StoreError.invalidValue(error)
            }
            if !chosen.contains(element) { chosen.append(element) }
        }
        return try edit { writer in
            guard writer.role == .adjudicator else {
                throw StoreError.refused(
                    EditError.notAdjudicator(action: "resolve a conflict").description
                        + " (your role is \(writer.role.rawValue); `concord sync` refreshes it from the server)")
            }
            let id = try Self.entityID(matching: reference, kind: .event, writer.db)
            let members = try Self.clusterMembers(of: id, writer.db)
            let stored = try LiveRows.version.loadAll(members, writer.db)
            let snapshots = members.compactMap { stored[$0]?.snapshot }
            // One event (no cluster) is disputed when two coders' own elements on it differ (the adjudicator's own
            // adds, as those of an earlier resolution, do not count).
            let ownDispute =
                members.count == 1
                && snapshots.contains { snapshot in
                    let coders = snapshot.setVotes(field).filter { $0.key != writer.analyst }
                    return coders.count > 1 && Set(coders.values.map(\.elements)).count > 1
                }
            guard ClusterDisagreement.list(snapshots).contains(where: { $0.field == field }) || ownDispute else {
                throw StoreError.refused(
                    "\(field) is not disputed on \(members.count == 1 ? "this event" : "its \(members.count) linked events")"
                        + "; use `concord event edit` to change it")
            }
            let proposed = Set(snapshots.flatMap { $0.sets[field] ?? [] })
            var notices: [String] = []
            let unproposed = chosen.filter { !proposed.contains($0) }
            if !unproposed.isEmpty {
                notices.append(
                    "no coder proposed " + unproposed.map { "\"\($0)\"" }.joined(separator: ", ")
                        + "; your reason is what the report shows for it")
            }
            var changes: [Change] = []
            for member in members {
                let adds = stored[member]?.setAdds[field] ?? []
                let present = Set(adds.map(\.value.description))
                for element in chosen where !present.contains(element) {
                    changes.append(writer.write(member, field, .add, .string(element), reason: reason))
                }
                for element in present.subtracting(chosen).sorted() {
                    let ids = adds.filter { $0.value.description == element }.map(\.change).sorted()
                    changes.append(
                        writer.write(member, field, .remove, .string(element), supersedes: ids, reason: reason))
                }
            }
            notices.append(
                "\(field) of \(members.count == 1 ? "the event" : "the \(members.count) linked events") is now "
                    + (chosen.isEmpty ? "empty" : chosen.map { "\"\($0)\"" }.joined(separator: ", ")) + " on every one")
            return EditOutcome(entity: members[0], changes: changes, notices: notices)
        }
    }
}
