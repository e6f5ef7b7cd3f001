import ConcordCore
import Foundation

/// The formats of `concord export`.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// One row per event with the displayed values; actors and tags `;`-separated. Header row first.
    case csv
    /// One `show --json` object per line.
    case jsonl
    /// PLOVER-style event records, one JSON object per line, for events that are not deleted.
    case plover
}

extension LocalStore {
    /// Writes every event in `format`, line by line, to `emit`. Events are in id order; deleted events are kept in
    /// csv and jsonl (with `deleted` true) and left out of plover.
    public func export(_ format: ExportFormat, emit: (String) throws -> Void) throws {
        let snapshots = try eventSnapshots()
        switch format {
        case .jsonl:
            for snapshot in snapshots {
                try emit(String(decoding: JSONShapes.show(snapshot), as: UTF8.self))
            }
        case .csv:
            let columns = [
                "id", "doc", "title", "summary", "type", "date", "location", "country", "confidence", "status",
                "evidence", "actors", "tags", "conflicts", "deleted",
            ]
            try emit(columns.joined(separator: ","))
            for snapshot in snapshots {
                let values = columns.map { column -> String in
                    switch column {
                    case "id": return snapshot.id.rawValue
                    case "actors", "tags": return (snapshot.sets[column] ?? []).joined(separator: ";")
                    case "conflicts": return String(snapshot.conflictCount)
                    case "deleted": return snapshot.deleted ? "true" : "false"
                    default: return snapshot.fields[column]?.value.description ?? ""
                    }
                }
                try emit(values.map(Self.csvField).joined(separator: ","))
            }
        case .plover:
            var documents: [String: DocumentSummary] = [:]
            for document in try self.documents() { documents[document.id.rawValue] = document }
            let encoder = JSONShapes.encoder()
            for snapshot in snapshots where !snapshot.deleted {
                let doc = snapshot.fields["doc"]?.value.string
                let record = PloverRecord(snapshot, document: doc.flatMap { documents[$0] })
                try emit(String(decoding: try encoder.encode(record), as: UTF8.self))
            }
        }
    }

    static func csvField(_ text: String) -> String {
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }
}

/// One event as a PLOVER-style record (openeventdata/PLOVER field names where they exist).
public struct PloverRecord: Encodable, Hashable, Sendable {
    public struct Source: Encodable, Hashable, Sendable {
        public var document: String?
        public var title: String?
        public var source: String?
        public var published: String?
    }

    public var id: String
    public var event_type: String?
    public var quad_class: String?
    public var event_date: String?
    public var country: String?
    public var location: String?
    public var actors: [String]
    public var tags: [String]
    public var title: String?
    public var summary: String?
    public var confidence: String?
    public var status: String?
    public var evidence: String?
    public var source: Source
    /// Fields in conflict: their displayed value is provisional.
    public var contested: [String]

    public init(_ snapshot: EntitySnapshot, document: DocumentSummary?) {
        func text(_ field: String) -> String? { snapshot.fields[field]?.value.string }
        id = snapshot.id.rawValue
        event_type = text("type")
        quad_class = text("type").flatMap(EventType.init(rawValue:))?.quadClass
        event_date = text("date")
        country = text("country")
        location = text("location")
        actors = snapshot.sets["actors"] ?? []
        tags = snapshot.sets["tags"] ?? []
        title = text("title")
        summary = text("summary")
        confidence = text("confidence")
        status = text("status")
        evidence = text("evidence")
        source = Source(
            document: text("doc"), title: document?.title, source: document?.source, published: document?.published)
        contested = snapshot.conflictedFields
    }
}
