@testable import ConcordCore
import Foundation
import Testing

/// The one finishing step (``ConflictReport/build(inputs:generatedAt:)``) against the report builder as it was,
/// which folded every change through ``Replica`` and finished from the fold.
@Suite("Report inputs")
struct ReportInputsTests {
    static let generatedAt = Date(timeIntervalSince1970: 1_752_300_000)

    static func legacy(_ changes: [Change]) -> ConflictReport {
        var builder = LegacyReportBuilder()
        for change in changes { builder.add(change) }
        return builder.finish(generatedAt: generatedAt)
    }

    @Test("on random histories the report is byte-identical to the former builder's", arguments: Array(UInt64(1)...24))
    func matchesLegacyBuilder(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var changes = ReportHistory.changes(seed: seed, analysts: 3 + Int(seed % 3), steps: 200 + Int(seed % 5) * 60)
        changes.shuffle(using: &random)
        let expected = Self.legacy(changes)
        let report = ConflictReport.build(from: changes, generatedAt: Self.generatedAt)
        #expect(report.json() == expected.json())
        #expect(report.markdown() == expected.markdown())
        // Streaming (every set change kept) with duplicates gives the same report as the two-pass build.
        var builder = ReportBuilder()
        builder.add(contentsOf: changes.reversed() + changes.prefix(20))
        #expect(builder.finish(generatedAt: Self.generatedAt).json() == expected.json())
    }

    @Test("the random histories cover every section of the report")
    func historiesCoverTheReport() {
        var totals = [0, 0, 0, 0, 0]
        for seed in UInt64(1)...24 {
            let report = ConflictReport.build(
                from: ReportHistory.changes(seed: seed, analysts: 3 + Int(seed % 3), steps: 200 + Int(seed % 5) * 60))
            totals[0] += report.openConflicts.count
            totals[1] += report.resolvedConflicts.count
            totals[2] += report.deleteEditConflicts.count
            totals[3] += report.header.counts.agreementEpisodes
            totals[4] += report.openConflicts.filter { $0.document?.title != nil }.count
        }
        #expect(totals.allSatisfy { $0 > 0 }, "open, resolved, delete/edit, agreements, document titles: \(totals)")
    }

    @Test("inputs with more entities than the report needs give the same report")
    func extraEntitiesChangeNothing() {
        let changes = ReportHistory.changes(seed: 7)
        var builder = ReportBuilder()
        builder.add(contentsOf: changes)
        var inputs = builder.inputs
        let noteFields = Dictionary(
            changes.filter { $0.op == .append }.map { ($0.id, $0.field) }, uniquingKeysWith: { a, _ in a })
        for (id, entity) in builder.entities where inputs.entities[id] == nil {
            inputs.entities[id] = LiveEntity(entity, noteFields: noteFields)
        }
        #expect(inputs.entities.count > builder.inputs.entities.count)
        #expect(ConflictReport.build(inputs: inputs) == builder.finish())
    }

    @Test("the report's plan asks at most three steps, each for only what the step needs", arguments: [3, 11, 19])
    func planSteps(seed: UInt64) {
        var builder = ReportBuilder()
        builder.add(contentsOf: ReportHistory.changes(seed: seed, analysts: 4, steps: 320))
        var needs: [ReportPlan.Need] = []
        let inputs = ReportPlan.run(
            builder.planStart,
            sets: { ids in
                needs.append(.sets(ids))
                return ids.compactMap { builder.sets[$0] }
            },
            entities: { ids in
                needs.append(.entities(ids))
                return ids.compactMap { id in
                    builder.entities[id].map { LiveEntity($0, noteFields: builder.noteFields) }
                }
            })
        #expect(ConflictReport.build(inputs: inputs) == builder.finish())
        #expect((2...3).contains(needs.count), "\(needs.count) steps")
        guard case .sets(let listed) = needs.first else {
            Issue.record("the first step is not the listed changes"); return
        }
        #expect(!listed.isEmpty)
        #expect(!inputs.superseding.isEmpty, "the history resolves something")
        if needs.count == 3, case .entities(let documents) = needs[2] {
            #expect(documents.allSatisfy { $0.kind == .document })
            #expect(!inputs.documentTitles.isEmpty)
        }

        // A store that holds none of the listed changes: nothing counts as superseding, and no entity is loaded
        // for a superseding change alone.
        var withoutSets = ReportPlan(builder.planStart)
        withoutSets.receive(sets: [])
        #expect(withoutSets.inputs.superseding.isEmpty)
        #expect(withoutSets.inputs.supersededSets.isEmpty)
        guard case .entities(let wanted) = withoutSets.need else { Issue.record("no entity step"); return }
        #expect(wanted == builder.planStart.conflictCandidates.union(builder.planStart.linked))
    }
}
