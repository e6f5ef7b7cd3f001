@testable import ConcordCore
import Foundation

/// The report builder as it was before stores gathered ``ReportInputs``: every change folded through ``Replica``
/// and the report finished from the fold. Kept verbatim as the reference the new paths must equal byte for byte.
struct LegacyReportBuilder: Sendable {
    /// The merged state of every change added so far.
    private(set) var replica = Replica()
    private var authorIndex: [AnalystName: Int] = [:]
    private var tallies: [Tally] = []
    private var multiSupersedes: [ChangeID] = []
    private var first: HLC?
    private var last: HLC?

    private struct Tally: Sendable {
        var name: AnalystName
        var changes = 0
        /// The event of this author's previous change: consecutive changes to one event skip the set insert.
        var lastEvent: EntityID?
        var events = Set<EntityID>()
        var first: HLC
        var last: HLC
    }

    init() {}

    /// Adds one change; a change already added is ignored.
    mutating func add(_ change: Change) {
        guard replica.apply(change) else { return }
        // Since issue 14, a decision with a reason is reported when it supersedes one version or more.
        let hasReason = !(change.reason ?? "").allSatisfy(\.isWhitespace)
        if change.op == .set && change.supersedes.count >= (hasReason ? 1 : 2) { multiSupersedes.append(change.id) }
        if first.map({ change.hlc < $0 }) ?? true { first = change.hlc }
        if last.map({ change.hlc > $0 }) ?? true { last = change.hlc }
        let isEvent = change.entity.kind == .event
        if let index = authorIndex[change.author] {
            tallies[index].changes += 1
            if isEvent && tallies[index].lastEvent != change.entity {
                tallies[index].lastEvent = change.entity
                tallies[index].events.insert(change.entity)
            }
            if change.hlc < tallies[index].first { tallies[index].first = change.hlc }
            if change.hlc > tallies[index].last { tallies[index].last = change.hlc }
        } else {
            var tally = Tally(name: change.author, first: change.hlc, last: change.hlc)
            tally.changes = 1
            if isEvent {
                tally.events.insert(change.entity)
                tally.lastEvent = change.entity
            }
            authorIndex[change.author] = tallies.count
            tallies.append(tally)
        }
    }

    /// Adds every change of `changes`.
    mutating func add(contentsOf changes: some Sequence<Change>) {
        for change in changes { add(change) }
    }

    private struct KindField: Hashable {
        var kind: EntityID.Kind
        var field: String
    }

    private struct EpisodeKey: Hashable {
        var entity: EntityID
        var field: String
        var versions: [ChangeID]
    }

    /// The report over everything added.
    func finish(generatedAt: Date? = nil) -> ConflictReport {
        let entities = replica.entities
        /// The displayed value of a register, through the merge; only small live sets are sorted.
        func value(_ entity: EntityState?, _ field: String) -> FieldValue? {
            entity?.registers[field]?.resolved?.value
        }
        func title(_ entity: EntityState?) -> String? { value(entity, "title")?.description }
        func document(of entity: EntityState) -> ConflictReport.DocumentRef? {
            if entity.id.kind == .document { return .init(id: entity.id, title: title(entity)) }
            guard let text = value(entity, "doc")?.string, let id = try? EntityID(text) else { return nil }
            return .init(id: id, title: title(entities[id]))
        }

        var counts = ConflictReport.Counts(
            changes: replica.changes.count, documents: 0, events: 0, deletedEvents: 0, analysts: tallies.count,
            openConflicts: 0, resolvedConflicts: 0, deleteEditConflicts: 0, agreementEpisodes: 0, conflictEpisodes: 0)
        var open: [ConflictReport.OpenConflict] = []
        var deleteEdits: [ConflictReport.DeleteEditConflict] = []
        var resolved: [ConflictReport.ResolvedConflict] = []
        var seenEpisodes = Set<EpisodeKey>()
        var perField: [KindField: (agreements: Int, conflicts: Int)] = [:]
        var involvedConflicts: [AnalystName: Int] = [:]
        var involvedAgreements: [AnalystName: Int] = [:]

        /// Counts an episode once: versions of one (entity, field) seen together.
        func episode(_ entity: EntityID, _ field: String, _ versions: [Version]) {
            guard versions.count >= 2 else { return }
            let authors = Set(versions.map(\.author))
            guard authors.count >= 2 else { return }
            guard
                seenEpisodes.insert(EpisodeKey(entity: entity, field: field, versions: versions.map(\.change).sorted()))
                    .inserted
            else { return }
            let agreement = versions.allSatisfy { $0.value == versions[0].value }
            let key = KindField(kind: entity.kind, field: field)
            if agreement {
                perField[key, default: (0, 0)].agreements += 1
                counts.agreementEpisodes += 1
                for author in authors { involvedAgreements[author, default: 0] += 1 }
            } else {
                perField[key, default: (0, 0)].conflicts += 1
                counts.conflictEpisodes += 1
                for author in authors { involvedConflicts[author, default: 0] += 1 }
            }
        }

        for (id, entity) in entities {
            // Only what can conflict or be deleted is resolved; a single live version needs no sorting.
            let deleted = value(entity, EntitySnapshot.deletedField) == .bool(true)
            switch id.kind {
            case .document: counts.documents += 1
            case .event:
                counts.events += 1
                if deleted { counts.deletedEvents += 1 }
            }
            for (field, state) in entity.registers where state.live.count >= 2 {
                guard let register = state.resolved else { continue }
                episode(id, field, register.candidates)
                guard register.conflict else { continue }
                open.append(
                    .init(
                        entity: id, title: title(entity), field: field, since: register.candidates[0].hlc,
                        candidates: register.candidates.map(ConflictReport.Candidate.init),
                        document: document(of: entity), evidence: value(entity, "evidence")?.description))
            }
            guard deleted else { continue }
            let snapshot = entity.snapshot
            if !snapshot.deleteEditConflict.isEmpty {
                let deletes = snapshot.fields[EntitySnapshot.deletedField]?.candidates.filter {
                    $0.value == .bool(true)
                }
                let edits = snapshot.deleteEditConflict.compactMap { replica.changes[$0] }.map(Version.init)
                    .inMergeOrder().map { version in
                        let change = replica.changes[version.change]!
                        return ConflictReport.Edit(
                            change: change.id, field: change.field, op: change.op, value: change.value,
                            author: change.author, hlc: change.hlc, time: UTCTime.iso(millis: change.hlc.millis))
                    }
                deleteEdits.append(
                    .init(
                        entity: id, title: title(entity), document: document(of: entity),
                        deletes: (deletes ?? []).map(ConflictReport.Candidate.init), edits: edits))
            }
        }

        for id in multiSupersedes {
            guard let change = replica.changes[id] else { continue }
            var seen = Set<ChangeID>()
            var versions: [Version] = []
            for superseded in change.supersedes where superseded != change.id && seen.insert(superseded).inserted {
                guard let old = replica.changes[superseded], old.op == .set, old.entity == change.entity,
                    old.field == change.field
                else { continue }
                versions.append(Version(old))
            }
            let hasReason = !(change.reason ?? "").allSatisfy(\.isWhitespace)
            guard versions.count >= (hasReason ? 1 : 2) else { continue }
            versions = versions.inMergeOrder()
            episode(change.entity, change.field, versions)
            let values = Set(versions.map(\.value))
            guard values.count >= 2 || hasReason, let entity = entities[change.entity] else { continue }
            resolved.append(
                .init(
                    entity: change.entity, title: title(entity), field: change.field,
                    document: document(of: entity),
                    alternatives: versions.map(ConflictReport.Candidate.init), chosen: .init(Version(change)),
                    reason: change.reason, chosenWasAlternative: values.contains(change.value)))
        }

        open = ConflictReport.ranked(open)  // since issue 14: grouped by event, most important first
        resolved.sort { a, b in
            if a.chosen.hlc != b.chosen.hlc { return a.chosen.hlc < b.chosen.hlc }
            if a.entity != b.entity { return a.entity < b.entity }
            if a.field != b.field { return a.field < b.field }
            return a.chosen.change < b.chosen.change
        }
        deleteEdits.sort { a, b in
            let x = a.deletes.first?.hlc ?? .zero
            let y = b.deletes.first?.hlc ?? .zero
            return x != y ? x < y : a.entity < b.entity
        }
        counts.openConflicts = open.count
        counts.resolvedConflicts = resolved.count
        counts.deleteEditConflicts = deleteEdits.count

        func rate(_ agreements: Int, _ conflicts: Int) -> Double? {
            agreements + conflicts == 0 ? nil : Double(agreements) / Double(agreements + conflicts)
        }
        let fields = perField.map { key, value in
            ConflictReport.FieldAgreement(
                entityKind: key.kind, field: key.field, agreements: value.agreements, conflicts: value.conflicts,
                rate: rate(value.agreements, value.conflicts))
        }.sorted { a, b in
            a.entityKind != b.entityKind ? a.entityKind.rawValue < b.entityKind.rawValue : a.field < b.field
        }

        var resolutions: [AnalystName: Int] = [:]
        for resolution in resolved { resolutions[resolution.chosen.author, default: 0] += 1 }
        let analysts = tallies.map { tally -> ConflictReport.AnalystActivity in
            let name = tally.name
            return ConflictReport.AnalystActivity(
                analyst: name, changes: tally.changes, eventsTouched: tally.events.count,
                conflictsInvolved: involvedConflicts[name] ?? 0, agreementsInvolved: involvedAgreements[name] ?? 0,
                resolutions: resolutions[name] ?? 0, firstHLC: tally.first, lastHLC: tally.last,
                firstTime: UTCTime.iso(millis: tally.first.millis),
                lastTime: UTCTime.iso(millis: tally.last.millis))
        }.sorted { $0.analyst < $1.analyst }

        let range = first.flatMap { first in
            last.map { last in
                ConflictReport.TimeRange(
                    firstHLC: first, lastHLC: last, firstTime: UTCTime.iso(millis: first.millis),
                    lastTime: UTCTime.iso(millis: last.millis))
            }
        }
        return ConflictReport(
            reportVersion: ConflictReport.formatVersion, generatedAt: generatedAt.map(UTCTime.iso),
            header: .init(
                range: range, counts: counts, agreementRate: rate(counts.agreementEpisodes, counts.conflictEpisodes)),
            openConflicts: open, resolvedConflicts: resolved, deleteEditConflicts: deleteEdits,
            clusterDisagreements: clusterDisagreements(), fieldAgreement: fields, analysts: analysts,
            coding: coding(fieldAgreement: fields), definitions: ConflictReport.standardDefinitions)
    }
}

extension LegacyReportBuilder {
    /// Cluster disagreements over every event of the fold, titled from the snapshots.
    func clusterDisagreements() -> [ConflictReport.ClusterConflict] {
        let events = replica.snapshots.filter { $0.id.kind == .event }
        var titles: [EntityID: String] = [:]
        for event in events { titles[event.id] = event.fields["title"]?.value.description }
        return ClusterDisagreement.list(events).map { ConflictReport.ClusterConflict($0, titles: titles) }
    }

    /// Agreement from the whole fold: every change through ``CodingAccumulator``, documents, deletions and links
    /// from the snapshots.
    func coding(fieldAgreement: [ConflictReport.FieldAgreement]) -> ConflictReport.Coding {
        var accumulator = CodingAccumulator()
        for change in replica.changes.values { accumulator.add(change) }
        return .build(accumulator.input(snapshots: replica.snapshots), fieldAgreement: fieldAgreement)
    }
}
