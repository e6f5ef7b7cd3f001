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

/// The formats of the report: Markdown for terminals and tickets, JSON for tools, one HTML page for people.
public enum ReportFormat: String, CaseIterable, Sendable {
    case json, md, html

    public var contentType: String {
        switch self {
        case .json: return "application/json"
        case .md: return "text/markdown; charset=utf-8"
        case .html: return "text/html; charset=utf-8"
        }
    }

    public func render(_ report: ConflictReport) -> Data {
        switch self {
        case .json: return report.json()
        case .md: return Data(report.markdown().utf8)
        case .html: return Data(report.html().utf8)
        }
    }
}
