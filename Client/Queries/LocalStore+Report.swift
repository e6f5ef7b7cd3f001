import ConcordCore
import Foundation
import GRDB

extension LocalStore {
    /// The conflict-resolution report over everything this replica knows, built by ConcordCore's one report builder.
    public func report(generatedAt: Date?) throws -> ConflictReport {
        var builder = ReportBuilder()
        for change in try allChanges() { builder.add(change) }
        return builder.finish(generatedAt: generatedAt)
    }
}
