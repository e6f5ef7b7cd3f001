import ConcordCore
import Foundation
import Testing

/// Seeded property tests of protocol.md §11 over random multi-replica histories with votes and links: whatever order
/// the changes arrive in, every replica computes the same clusters, cluster disagreements and agreement as the
/// server's fold, and no analyst's change ever retires another analyst's coded version.
@Suite("Coding properties")
struct CodingPropertyTests {
    /// Agreement as a store computes it from a replica: its log through ``CodingAccumulator``, the rest from its view.
    static func agreement(_ replica: Replica) -> AgreementReport {
        var accumulator = CodingAccumulator()
        for change in replica.changes.values { accumulator.add(change) }
        return AgreementReport.compute(accumulator.input(snapshots: replica.snapshots), fields: FieldSpec.coded)
    }

    static func events(_ replica: Replica) -> [EntitySnapshot] { replica.snapshots.filter { $0.id.kind == .event } }

    @Test("random histories: the same clusters, disagreements and α on every replica; votes never cross analysts")
    func clustersAndVotes() {
        var linkChanges = 0
        var disagreements = 0
        var multiClusters = 0
        var units = 0
        for seed in UInt64(1)...60 {
            var sim = HistorySimulator(seed: seed &* 7_919, analysts: 3 + Int(seed % 3))
            sim.work(steps: 80 + Int(seed % 7) * 20)
            let all = sim.allChanges
            let server = Replica(folding: all)
            for index in sim.analysts.indices { sim.deliver(all, to: index) }

            // No analyst's change supersedes or removes another analyst's version of a coded field.
            let authors = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let roles = Dictionary(sim.analysts.map { ($0.name, $0.role) }, uniquingKeysWith: { a, _ in a })
            for change in all where roles[change.author] == .analyst && Schema.isCoded(change.field, of: .event) {
                for id in change.supersedes {
                    guard let old = authors[id], old.entity == change.entity, old.field == change.field else {
                        continue
                    }
                    #expect(old.author == change.author, "seed \(seed): \(change.id) retires \(old.author)'s vote")
                }
            }

            let expectedDisagreements = ClusterDisagreement.list(Self.events(server))
            let expectedAgreement = Self.agreement(server)
            for analyst in sim.analysts {
                #expect(
                    ClusterDisagreement.list(Self.events(analyst.replica)) == expectedDisagreements,
                    "seed \(seed): \(analyst.name)'s cluster disagreements")
                #expect(Self.agreement(analyst.replica) == expectedAgreement, "seed \(seed): \(analyst.name)'s α")
            }
            // Delivery order does not matter: the changes folded backwards give the same clusters.
            #expect(ClusterDisagreement.list(Self.events(Replica(folding: all.reversed()))) == expectedDisagreements)

            linkChanges += all.filter { $0.field == Schema.sameAsField }.count
            disagreements += expectedDisagreements.count
            let events = Self.events(server)
            let clusters = Clusters(
                events: events.map(\.id.rawValue), deleted: Set(events.filter(\.deleted).map(\.id.rawValue)),
                links: events.flatMap { e in (e.sets[Schema.sameAsField] ?? []).map { (e.id.rawValue, $0) } })
            multiClusters += clusters.members.values.filter { $0.count > 1 }.count
            units += expectedAgreement.fields.reduce(0) { $0 + $1.units }
        }
        // The histories exercise what is checked.
        #expect(linkChanges > 100, "links written: \(linkChanges)")
        #expect(multiClusters > 30, "clusters of several events: \(multiClusters)")
        #expect(disagreements > 20, "cluster disagreements: \(disagreements)")
        #expect(units > 50, "agreement units: \(units)")
    }
}
