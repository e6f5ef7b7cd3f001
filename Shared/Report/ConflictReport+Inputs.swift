import Foundation

extension ConflictReport {
    /// A field of every entity of one kind (the report's per-field tallies).
    private struct KindField: Hashable {
        var kind: EntityID.Kind
        var field: String
    }

    private struct EpisodeKey: Hashable {
        var entity: EntityID
        var field: String
        var versions: [ChangeID]
    }

    /// Open conflicts grouped by entity and ranked by what an adjudicator should look at first: an entity's rank is
    /// that of its most important field in conflict (``fieldRank``), then more fields in conflict first, then the
    /// oldest; within an entity, fields in rank order.
    static func ranked(_ conflicts: [OpenConflict]) -> [OpenConflict] {
        var byEntity: [EntityID: [OpenConflict]] = [:]
        for conflict in conflicts { byEntity[conflict.entity, default: []].append(conflict) }
        func fieldOrder(_ a: OpenConflict, _ b: OpenConflict) -> Bool {
            let (x, y) = (fieldRank(a.field), fieldRank(b.field))
            return x != y ? x < y : a.field < b.field
        }
        let groups = byEntity.values.map { $0.sorted(by: fieldOrder) }
        return groups.sorted { a, b in
            let (x, y) = (fieldRank(a[0].field), fieldRank(b[0].field))
            if x != y { return x < y }
            if a.count != b.count { return a.count > b.count }
            let (p, q) = (a.map(\.since).min()!, b.map(\.since).min()!)
            if p != q { return p < q }
            return a[0].entity < b[0].entity
        }.flatMap { $0 }
    }

    /// How much a conflict on a field matters, most first: what the event is (type, mode), when, who (actors,
    /// recipients), where (country, location), context, then confidence, status, the document and quote, the
    /// wording (title, summary); any other field last, by name.
    public static let importantFields = [
        "type", "mode", "date", "actors", "recipients", "country", "location", "context", "confidence", "status",
        "doc", "evidence", "title", "summary", "text", "source", "published",
    ]

    public static func fieldRank(_ field: String) -> Int {
        importantFields.firstIndex(of: field) ?? importantFields.count
    }

    /// One resolution per cluster decision: `concord resolve` on a member of linked events writes one change per
    /// member in one command (same author, field, value and reason, one clock reading: the same wall millisecond);
    /// they are reported as one, naming the members, with every member's replaced versions as the alternatives.
    /// Other resolutions stay as they are.
    static func groupedByCluster(_ resolutions: [ResolvedConflict], _ coding: AgreementInput) -> [ResolvedConflict] {
        guard !coding.links.isEmpty, resolutions.count >= 2 else { return resolutions }
        let clusters = Clusters(
            events: coding.events.map(\.id), deleted: Set(coding.events.filter(\.deleted).map(\.id)),
            links: coding.links)
        struct Key: Hashable {
            var cluster: String
            var field: String
            var author: AnalystName
            var value: FieldValue
            var reason: String?
            /// The wall millisecond of the decision: one command's changes share it (one clock reading).
            var millis: Int64
        }
        let linked = Set(clusters.members.filter { $0.value.count >= 2 }.keys)
        var groups: [Key: Int] = [:]
        var out: [ResolvedConflict] = []
        for resolution in resolutions {
            guard resolution.entity.kind == .event, let cluster = clusters.cluster(of: resolution.entity.rawValue),
                linked.contains(cluster)
            else {
                out.append(resolution)
                continue
            }
            let key = Key(
                cluster: cluster, field: resolution.field, author: resolution.chosen.author,
                value: resolution.chosen.value, reason: resolution.reason, millis: resolution.chosen.hlc.millis)
            // A member decided twice alike is two decisions: only one change per member joins a group.
            guard let index = groups[key], !(out[index].members ?? [out[index].entity]).contains(resolution.entity)
            else {
                groups[key] = out.count
                out.append(resolution)
                continue
            }
            var group = out[index]
            var members = group.members ?? [group.entity]
            members.append(resolution.entity)
            group.members = members.sorted { $0.rawValue < $1.rawValue }
            // The group is named by its first member: the smallest id, with its title and document.
            if resolution.entity.rawValue < group.entity.rawValue {
                group.entity = resolution.entity
                group.title = resolution.title
                group.document = resolution.document
            }
            group.alternatives = (group.alternatives + resolution.alternatives).sorted {
                $0.hlc != $1.hlc ? $0.hlc < $1.hlc : $0.change < $1.change
            }
            if resolution.chosen.hlc < group.chosen.hlc
                || (resolution.chosen.hlc == group.chosen.hlc && resolution.chosen.change < group.chosen.change)
            {
                group.chosen = resolution.chosen
            }
            group.chosenWasAlternative = group.chosenWasAlternative || resolution.chosenWasAlternative
            out[index] = group
        }
        return out
    }

    /// The one finishing step of every report: the report that `inputs` describe.
    ///
    /// ``ReportBuilder`` (in memory), the client store and the server store all end here, so their reports are
    /// byte-identical for the same set of changes. Linear in the entities, live versions and superseded ids given.
    public static func build(inputs: ReportInputs, generatedAt: Date? = nil) -> ConflictReport {
        let entities = inputs.entities
        func title(_ snapshot: EntitySnapshot) -> String? { snapshot.fields["title"]?.value.description }
        func document(of snapshot: EntitySnapshot) -> DocumentRef? {
            if snapshot.id.kind == .document { return .init(id: snapshot.id, title: title(snapshot)) }
            guard let text = snapshot.fields["doc"]?.value.string, let id = try? EntityID(text) else { return nil }
            return .init(id: id, title: inputs.documentTitles[id])
        }

        var counts = Counts(
            changes: inputs.totals.changes, documents: inputs.totals.documents, events: inputs.totals.events,
            deletedEvents: inputs.totals.deletedEvents, analysts: inputs.totals.analysts.count, openConflicts: 0,
            resolvedConflicts: 0, deleteEditConflicts: 0, agreementEpisodes: 0, conflictEpisodes: 0)
        var open: [OpenConflict] = []
        var deleteEdits: [DeleteEditConflict] = []
        var resolved: [ResolvedConflict] = []
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

        var snapshots: [EntityID: EntitySnapshot] = [:]
        snapshots.reserveCapacity(entities.count)
        for (id, entity) in entities {
            let snapshot = entity.snapshot
            snapshots[id] = snapshot
            for (field, register) in snapshot.fields where register.candidates.count >= 2 {
                episode(id, field, register.candidates)
                guard register.conflict else { continue }
                open.append(
                    .init(
                        entity: id, title: title(snapshot), field: field, since: register.candidates[0].hlc,
                        candidates: register.candidates.map(Candidate.init), document: document(of: snapshot),
                        evidence: snapshot.fields["evidence"]?.value.description))
            }
            guard snapshot.deleted, !snapshot.deleteEditConflict.isEmpty else { continue }
            // The unseen ids are live register versions, set adds or notes of this entity: their ops follow.
            var unseen: [ChangeID: (field: String, op: ChangeOp, version: Version)] = [:]
            let wanted = Set(snapshot.deleteEditConflict)
            for (ops, byField) in [
                (ChangeOp.set, entity.registers), (ChangeOp.add, entity.setAdds), (ChangeOp.append, entity.notes),
            ] {
                for (field, versions) in byField {
                    for version in versions where wanted.contains(version.change) {
                        unseen[version.change] = (field, ops, version)
                    }
                }
            }
            let edits = snapshot.deleteEditConflict.compactMap { unseen[$0] }.sorted { $0.version.precedes($1.version) }
                .map { edit in
                    Edit(
                        change: edit.version.change, field: edit.field, op: edit.op, value: edit.version.value,
                        author: edit.version.author, hlc: edit.version.hlc,
                        time: UTCTime.iso(millis: edit.version.hlc.millis))
                }
            let deletes = snapshot.fields[EntitySnapshot.deletedField]?.candidates.filter { $0.value == .bool(true) }
            deleteEdits.append(
                .init(
                    entity: id, title: title(snapshot), document: document(of: snapshot),
                    deletes: (deletes ?? []).map(Candidate.init), edits: edits))
        }

        for superseding in inputs.superseding {
            let change = superseding.change
            let id = change.version.change
            var seen = Set<ChangeID>()
            var versions: [Version] = []
            for superseded in change.version.context where superseded != id && seen.insert(superseded).inserted {
                guard let old = inputs.supersededSets[superseded], old.entity == change.entity,
                    old.field == change.field
                else { continue }
                versions.append(old.version)
            }
            guard versions.count >= superseding.minimumSuperseded else { continue }
            versions = versions.inMergeOrder()
            episode(change.entity, change.field, versions)
            let values = Set(versions.map(\.value))
            // A decision between different values, or any decision an adjudicator gave a reason for.
            let decided = values.count >= 2 || superseding.minimumSuperseded == 1
            guard decided, let snapshot = snapshots[change.entity] else { continue }
            resolved.append(
                .init(
                    entity: change.entity, title: title(snapshot), field: change.field,
                    document: document(of: snapshot), alternatives: versions.map(Candidate.init),
                    chosen: .init(change.version), reason: superseding.reason,
                    chosenWasAlternative: values.contains(change.version.value)))
        }
        resolved = Self.groupedByCluster(resolved, inputs.coding)

        open = Self.ranked(open)
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
            FieldAgreement(
                entityKind: key.kind, field: key.field, agreements: value.agreements, conflicts: value.conflicts,
                rate: rate(value.agreements, value.conflicts))
        }.sorted { a, b in
            a.entityKind != b.entityKind ? a.entityKind.rawValue < b.entityKind.rawValue : a.field < b.field
        }

        var resolutions: [AnalystName: Int] = [:]
        for resolution in resolved { resolutions[resolution.chosen.author, default: 0] += 1 }
        let analysts = inputs.totals.analysts.map { tally -> AnalystActivity in
            let name = tally.name
            return AnalystActivity(
                analyst: name, changes: tally.changes, eventsTouched: tally.eventsTouched,
                conflictsInvolved: involvedConflicts[name] ?? 0, agreementsInvolved: involvedAgreements[name] ?? 0,
                resolutions: resolutions[name] ?? 0, firstHLC: tally.first, lastHLC: tally.last,
                firstTime: UTCTime.iso(millis: tally.first.millis),
                lastTime: UTCTime.iso(millis: tally.last.millis))
        }.sorted { $0.analyst < $1.analyst }

        var range: TimeRange?
        if let first = inputs.totals.analysts.lazy.map(\.first).min(),
            let last = inputs.totals.analysts.lazy.map(\.last).max()
        {
            range = TimeRange(
                firstHLC: first, lastHLC: last, firstTime: UTCTime.iso(millis: first.millis),
                lastTime: UTCTime.iso(millis: last.millis))
        }
        return ConflictReport(
            reportVersion: formatVersion, generatedAt: generatedAt.map(UTCTime.iso),
            header: .init(
                range: range, counts: counts, agreementRate: rate(counts.agreementEpisodes, counts.conflictEpisodes)),
            openConflicts: open, resolvedConflicts: resolved, deleteEditConflicts: deleteEdits,
            clusterDisagreements: inputs.clusterDisagreements.map { ClusterConflict($0, titles: inputs.eventTitles) },
            fieldAgreement: fields,
            analysts: analysts, coding: .build(inputs.coding, fieldAgreement: fields), definitions: standardDefinitions)
    }
}
