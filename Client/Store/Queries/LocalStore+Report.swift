import ConcordCore
import Foundation
import GRDB

extension LocalStore {
    /// The conflict-resolution report over everything this replica knows.
    ///
    /// Built from ``reportInputs()`` (the merged view and a light pass over the log) by ConcordCore's one finishing
    /// step, so it equals `ConflictReport.build(from: allChanges())` byte for byte without refolding the log.
    public func report(generatedAt: Date?) throws -> ConflictReport {
        ConflictReport.build(inputs: try reportInputs(), generatedAt: generatedAt)
    }
}
