import ConcordStore
import ConcordCore
import Foundation
import Testing

/// Every change is on the server exactly once, every store holds exactly the server's changes, nothing is pending
/// or rejected, every store's view equals the Core fold of the server log, and every store shows every event with
/// the same bytes.
func expectExactlyOnce(
    log: [Wire.SequencedChange], stores: [String: LocalStore], sourceLocation: SourceLocation = #_sourceLocation
) {
    let ids = log.map(\.change.id)
    #expect(Set(ids).count == ids.count, "no change is on the server twice", sourceLocation: sourceLocation)
    #expect(
        zip(log, log.dropFirst()).allSatisfy { $0.seq < $1.seq }, "sequence numbers strictly increase",
        sourceLocation: sourceLocation)
    let fold = Replica(folding: log.map(\.change))
    var union = Set<ChangeID>()
    var reference: [EntitySnapshot]?
    for (name, store) in stores.sorted(by: { $0.key < $1.key }) {
        do {
            let changes = try store.allChanges()
            union.formUnion(changes.map(\.id))
            #expect(try store.pendingCount() == 0, "\(name) has nothing pending", sourceLocation: sourceLocation)
            #expect(try store.rejectedChanges().isEmpty, "\(name) had nothing refused", sourceLocation: sourceLocation)
            #expect(changes.count == Set(changes.map(\.id)).count, "\(name) holds no change twice")
            #expect(
                Set(changes.map(\.id)) == Set(ids), "\(name) holds exactly the server's changes",
                sourceLocation: sourceLocation)
            let snapshots = try store.eventSnapshots()
            for snapshot in snapshots {
                #expect(
                    fold.snapshot(of: snapshot.id) == snapshot, "\(name)'s \(snapshot.id) equals the fold of the log",
                    sourceLocation: sourceLocation)
            }
            if let reference {
                #expect(
                    reference.map(JSONShapes.show) == snapshots.map(JSONShapes.show),
                    "\(name) shows every event with the same bytes", sourceLocation: sourceLocation)
            } else {
                reference = snapshots
            }
        } catch {
            Issue.record("reading \(name)'s store failed: \(error)", sourceLocation: sourceLocation)
        }
    }
    #expect(union == Set(ids), "the server holds every change any client made", sourceLocation: sourceLocation)
}
