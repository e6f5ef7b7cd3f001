import ConcordCore
import Foundation

/// The conflict-resolution report over everything the server holds, built by ConcordCore's one report builder, so
/// `GET /v1/report`, `concord-server report` and `concord report` on a synced replica agree.
public enum ServerReport {
    /// The report over `store`: the store gathers the inputs (the SQLite store from its merged view and a light
    /// pass over its log), ``ConflictReport/build(inputs:generatedAt:)`` finishes it.
    public static func build(from store: any ServerStore, generatedAt: Date?) async throws -> ConflictReport {
        ConflictReport.build(inputs: try await store.reportInputs(), generatedAt: generatedAt)
    }
}
