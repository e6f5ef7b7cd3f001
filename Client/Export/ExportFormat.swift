import ConcordCore
import Foundation

/// The formats of `concord export`.
///
/// csv and plover write one record per cluster of linked events (DESIGN §11): its id (the smallest member id), its
/// `members` and `coders` (the members' creators), each register field's value when the members agree on it (else
/// the first member's, and the field is listed in `contested`), and the union of the members' sets. A lone event
/// is a cluster of one. jsonl stays the lossless dump: one `show --json` object per event.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// One row per cluster with the displayed values; sets `;`-separated. Header row first.
    case csv
    /// One `show --json` object per line, per event.
    case jsonl
    /// PLOVER-style event records, one JSON object per line, per cluster of events that are not deleted.
    case plover
}

extension LocalStore {
    /// Writes every event in `format`, line by line, to `emit`. Events are in id order; deleted events are kept in
    /// csv and jsonl (with `deleted` true) and left out of plover.
    public func export(_ format: ExportFormat, emit: (String) throws -> Void) throws {
        let snapshots = try eventSnapshots()
        let clusters = try clusters()
        let members = clusters.members
        let creators = try read { db in try Self.creators(db) }
        var byID: [String: EntitySnapshot] = [:]
        for snapshot in snapshots { byID[snapshot.id.rawValue] = snapshot }
        // Deleted events stand alone (csv keeps them); live ones go by cluster, in cluster id order.
        let records: [ClusterRecord] = snapshots.compactMap { snapshot in
            guard let cluster = clusters.cluster(of: snapshot.id.rawValue) else {
                return ClusterRecord(members: [snapshot], creators: creators)
            }
            guard cluster == snapshot.id.rawValue else { return nil }
            return ClusterRecord(
                members: (members[cluster] ?? []).compactMap { byID[$0] }, creators: creators)
        }
        switch format {
        case .jsonl:
            for snapshot in snapshots {
                try emit(String(decoding: JSONShapes.show(snapshot), as: UTF8.self))
            }
        case .csv:
            let columns = [
                "id", "members", "coders", "doc", "title", "summary", "type", "date", "location", "country",
                "confidence", "mode", "status", "evidence", "actors", "recipients", "context", "tags", "contested",
                "conflicts", "deleted",
            ]
            try emit(columns.joined(separator: ","))
            for record in records {
                let values = columns.map { column -> String in
                    switch column {
                    case "id": return record.id
                    case "members": return record.members.map(\.id.rawValue).joined(separator: ";")
                    case "coders": return record.coders.joined(separator: ";")
                    case "actors", "recipients", "context", "tags":
                        return record.set(column).joined(separator: ";")
                    case "contested": return record.contested.joined(separator: ";")
                    case "conflicts": return String(record.members.reduce(0) { $0 + $1.conflictCount })
                    case "deleted": return record.members.allSatisfy(\.deleted) ? "true" : "false"
                    default: return record.value(column) ?? ""
                    }
                }
                try emit(values.map(Self.csvField).joined(separator: ","))
            }
        case .plover:
            var documents: [String: DocumentSummary] = [:]
            for document in try self.documents() { documents[document.id.rawValue] = document }
            let encoder = JSONShapes.encoder()
            for record in records where !record.members.allSatisfy(\.deleted) {
                let doc = record.value("doc")
                let plover = PloverRecord(record, document: doc.flatMap { documents[$0] })
                try emit(String(decoding: try encoder.encode(plover), as: UTF8.self))
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
    /// The cluster's events (DESIGN §11) and their creators.
    public var members: [String]
    public var coders: [String]
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

    init(_ record: ClusterRecord, document: DocumentSummary?) {
        id = record.id
        members = record.members.map(\.id.rawValue)
        coders = record.coders
        event_type = record.value("type")
        quad_class = record.value("type").flatMap(EventType.init(rawValue:))?.quadClass
        event_date = record.value("date")
        country = record.value("country")
        location = record.value("location")
        actors = record.set("actors")
        tags = record.set("tags")
        title = record.value("title")
        summary = record.value("summary")
        confidence = record.value("confidence")
        status = record.value("status")
        evidence = record.value("evidence")
        source = Source(
            document: record.value("doc"), title: document?.title, source: document?.source,
            published: document?.published)
        contested = record.contested
    }
}

/// The events of one cluster, as one exported record.
struct ClusterRecord {
    let members: [EntitySnapshot]
    let coders: [String]

    init(members: [EntitySnapshot], creators: [String: String]) {
        self.members = members
        coders = Set(members.compactMap { creators[$0.id.rawValue] }).filter { !$0.isEmpty }.sorted()
    }

    var id: String { members.first?.id.rawValue ?? "" }

    /// The displayed value the members agree on, else the first member's that has one.
    func value(_ field: String) -> String? {
        members.lazy.compactMap { $0.fields[field]?.value.string }.first
    }

    /// The union of the members' sets.
    func set(_ field: String) -> [String] { Set(members.flatMap { $0.sets[field] ?? [] }).sorted() }

    /// Fields in conflict on a member, or coded fields two members show differently: provisional values.
    /// (Members' titles, quotes and documents differ by nature and are not disputes.)
    var contested: [String] {
        var fields = Set(members.flatMap(\.conflictedFields))
        for field in Schema.codedEventFields where Set(members.compactMap { $0.fields[field]?.value }).count > 1 {
            fields.insert(field)
        }
        return fields.sorted()
    }
}
