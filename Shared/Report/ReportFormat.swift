import Foundation

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
