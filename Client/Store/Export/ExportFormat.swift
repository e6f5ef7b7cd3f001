import ConcordCore
import Foundation

/// The formats of `concord export`.
///
/// csv and plover write one record per cluster of linked events (protocol.md §11): its id (the smallest member id), its
/// `members` and `coders` (the members' creators), each register field's value when the members agree on it (else
/// the first member's, and the field is listed in `contested`), and the union of the members' sets. A lone event
/// is a cluster of one. jsonl stays the lossless dump: one `show --json` object per event.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// One row per cluster with the displayed values; sets `;`-separated, notes `AUTHOR: TEXT` ` | `-separated in
    /// merge order. Header row first.
    case csv
    /// One `show --json` object per line, per event.
    case jsonl
    /// PLOVER records (the manual's field names, ``PloverRecord``), one JSON object per line, per cluster of events
    /// that are not deleted.
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
                "confidence", "mode", "status", "evidence", "actors", "recipients", "context", "tags", "notes",
                "contested",
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
                    case "notes":
                        return record.members.flatMap(\.notes).inMergeOrder().map { "\($0.author): \($0.value)" }
                            .joined(separator: " | ")
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
            var texts: [String: String] = [:]
            let encoder = JSONShapes.encoder()
            for record in records where !record.members.allSatisfy(\.deleted) {
                let cited = record.documents.compactMap { documents[$0] }
                if let first = cited.first, texts[first.id.rawValue] == nil {
                    texts[first.id.rawValue] = try documentText(first.id) ?? ""
                }
                let plover = PloverRecord(record, documents: cited, text: cited.first.flatMap { texts[$0.id.rawValue] })
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

/// One cluster of events as a PLOVER record: the field names of the manual's "PLOVER JSON" table (v1.3,
/// `docs/plover.md`), Concord's own facts under one `concord` key.
///
/// - `id`, `date`, `actor` and `event` (the manual's required fields) are always present: `date` is null and
///   `actor` empty when not coded. `date` is as coded (`YYYY-MM-DD`, or `YYYY-MM`/`YYYY` when the article is
///   no more precise); `event`, `mode` and `context` are lists, as the manual defines them.
/// - Entity objects carry `entity_text` (the manual's entity-object table); `event_loc` carries
///   `extracted_place` and `country_code` (ISO alpha-3, as coded); `event_text` holds the members' quotes;
///   `quad_code` is 1–4 from the type; `coder` names the members' creators; `coded_date`/`coded_time` the latest
///   live change; `comment` the summary; `cite_info` the article.
/// - Values still in dispute are never silently provisional: the field shows the provisional value and
///   `concord.disputed` lists, under the PLOVER name, every candidate with its coder (a disputed set element is
///   listed with the coders who coded it).
public struct PloverRecord: Encodable, Hashable, Sendable {
    /// A PLOVER entity object (only its text: Concord codes actors as names).
    public struct Entity: Encodable, Hashable, Sendable {
        public var entity_text: String
    }

    /// A PLOVER location object.
    public struct Location: Encodable, Hashable, Sendable {
        public var extracted_place: String?
        public var country_code: String?
    }

    /// A PLOVER citeInfo object for the article.
    public struct CiteInfo: Encodable, Hashable, Sendable {
        public var title: String?
        public var publication: String?
        public var url: String?
        /// Outlet, byline and publication date in one line, as a citation is written.
        public var citation: String?
        public var codebook = "PLOVER"
        public var version = "1.3"

        init(_ document: DocumentSummary?) {
            title = document?.title
            publication = document?.source
            url = document?.url
            let parts = [document?.source, document?.byline.map { "by " + $0 }, document?.published].compactMap { $0 }
            citation = parts.isEmpty ? nil : parts.joined(separator: ", ")
        }
    }

    /// A PLOVER textInfo object: where one `event_text` entry sits in the article (Unicode scalar offsets,
    /// as Python indexes a string), `sequence` its position in `event_text`.
    public struct TextInfo: Encodable, Hashable, Sendable {
        public var sequence: Int
        public var start: Int
        public var end: Int
    }

    /// A value in dispute and who coded it.
    public struct Candidate: Encodable, Hashable, Sendable {
        public var value: String
        public var coders: [String]
    }

    /// What PLOVER has no field for.
    public struct Concord: Encodable, Hashable, Sendable {
        /// The cluster's events (protocol.md §11).
        public var members: [String]
        public var document: String?
        public var title: String?
        public var confidence: String?
        public var status: String?
        public var tags: [String]
        /// Fields still in dispute between coders, by PLOVER name (Concord's name where PLOVER has none), with every
        /// candidate: listed only when two or more analysts coded them differently.
        public var disputed: [String: [Candidate]]
        /// Every article the cluster's events come from, first the one `cite_info` cites.
        public var citations: [CiteInfo]
        /// Values left out of the PLOVER fields because PLOVER forbids them there: a `mode` not valid for the
        /// record's event type (left behind by a type that changed), by Concord field name.
        public var dropped: [String: String]
        /// How precise the coded `date` and `end_date` are: `day`, `month` or `year` (PLOVER's dates are full days:
        /// a month or a year is exported as its first day, an end as its last).
        public var date_precision: String?
        public var end_date_precision: String?
        /// The required PLOVER fields (`date`, `actor`, `event`) the record lacks; the record is then written
        /// with `has_event: false`, never as if complete.
        public var incomplete: [String]
        public var summary: String?
    }

    public var id: String
    public var has_event = true
    public var date: String?
    public var enddate: String?
    public var actor: [Entity]
    public var recipient: [Entity]
    public var event: [String]
    public var event_loc: Location?
    public var event_text: [String]
    public var quad_code: Int?
    public var mode: [String]
    public var context: [String]
    public var link: String?
    public var text_info: [TextInfo]
    public var cite_info: CiteInfo
    public var coder: String
    public var coded_date: String?
    public var coded_time: String?
    public var comment: String?
    public var concord: Concord

    /// PLOVER's name for a Concord event field, where it has one.
    public static let names: [String: String] = [
        "type": "event", "date": "date", "actors": "actor", "recipients": "recipient", "mode": "mode",
        "context": "context", "evidence": "event_text", "location": "event_loc", "country": "event_loc",
        "notes": "comment", "end_date": "enddate", "aux": "mode", "quotes": "event_text",
    ]

    /// A coded date as a PLOVER full day, and its precision: `YYYY-MM-DD` as it is; `YYYY-MM` and `YYYY` as their
    /// first day (`last`: their last day, for an end date).
    static func fullDay(_ text: String?, last: Bool = false) -> (day: String, precision: String)? {
        guard let range = CodingDate.range(of: text) else { return nil }
        return (CodingDate.text(ofDay: last ? range.last : range.first), range.precision.rawValue)
    }

    init(_ record: ClusterRecord, documents: [DocumentSummary], text: String? = nil) {
        let document = documents.first
        id = record.id
        let start = Self.fullDay(record.value("date"))
        let end = Self.fullDay(record.value("end_date"), last: true)
        date = start?.day
        enddate = end?.day
        actor = record.set("actors").map(Entity.init)
        recipient = record.set("recipients").map(Entity.init)
        let type = record.value("type").flatMap(EventType.init(rawValue:))
        event = type.map { [$0.rawValue] } ?? []
        let place = record.value("location")
        let country = record.value("country")
        event_loc = place == nil && country == nil ? nil : Location(extracted_place: place, country_code: country)
        // The evidence, then the other quotes (protocol.md §17), each once.
        var quotes = Set(record.members.compactMap { $0.fields["evidence"]?.value.string }).sorted()
        for quote in record.set("quotes") where !quotes.contains(quote) { quotes.append(quote) }
        event_text = quotes
        text_info =
            text.map { text in
                quotes.enumerated().compactMap { sequence, quote in
                    guard let range = Evidence.ranges(of: quote, in: text).first else { return nil }
                    let scalars = text.unicodeScalars
                    return TextInfo(
                        sequence: sequence,
                        start: scalars.distance(from: scalars.startIndex, to: range.lowerBound),
                        end: scalars.distance(from: scalars.startIndex, to: range.upperBound))
                }
            } ?? []
        quad_code = type.map(\.quadCode)
        var dropped: [String: String] = [:]
        if let coded = record.value("mode") {
            if Plover.problem(mode: coded, type: type?.rawValue) == nil {
                mode = [coded]
            } else {
                mode = []
                dropped["mode"] = coded
            }
        } else {
            mode = []
        }
        // Auxiliary modes (future, historical, …) are PLOVER modes of any type: after the type's own mode.
        mode += record.set("aux")
        context = record.set("context")
        link = record.members.count > 1 ? record.id : nil
        cite_info = CiteInfo(document)
        coder = record.coders.joined(separator: ", ")
        let latest = record.members.flatMap { $0.fields.values.flatMap(\.candidates) }.map(\.hlc).max()
        coded_time = latest?.iso
        coded_date = coded_time.map { String($0.prefix(10)) }
        // The members' notes, each with its author; the summary stays under `concord`.
        let notes = record.members.flatMap(\.notes).inMergeOrder().map { "\($0.author): \($0.value)" }
        comment = notes.isEmpty ? nil : notes.joined(separator: "\n")
        var disputed: [String: [Candidate]] = [:]
        for field in record.contested {
            let name = Self.names[field] ?? field
            var coders: [String: Set<String>] = [:]
            for member in record.members {
                if let register = member.fields[field] {
                    for candidate in register.candidates {
                        coders[candidate.value.description, default: []].insert(candidate.author.rawValue)
                    }
                } else if let elements = member.sets[field], let creator = record.creator(of: member) {
                    for element in elements { coders[element, default: []].insert(creator) }
                }
            }
            // One analyst's values on two members (a type they changed on one) are no dispute between coders.
            guard Set(coders.values.joined()).count > 1 else { continue }
            disputed[name, default: []] += coders.map { Candidate(value: $0.key, coders: $0.value.sorted()) }
            disputed[name]!.sort { $0.value < $1.value }
        }
        concord = Concord(
            members: record.members.map(\.id.rawValue), document: record.value("doc"), title: record.value("title"),
            confidence: record.value("confidence"), status: record.value("status"), tags: record.set("tags"),
            disputed: disputed,
            citations: documents.map { CiteInfo($0) },
            dropped: dropped, date_precision: start?.precision, end_date_precision: end?.precision,
            incomplete: [("date", date == nil), ("actor", actor.isEmpty), ("event", event.isEmpty)].filter(\.1).map(
                \.0),
            summary: record.value("summary"))
        has_event = concord.incomplete.isEmpty
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(has_event, forKey: .has_event)
        try c.encode(date, forKey: .date)  // required: null when not coded
        try c.encodeIfPresent(enddate, forKey: .enddate)
        try c.encode(actor, forKey: .actor)
        if !recipient.isEmpty { try c.encode(recipient, forKey: .recipient) }
        try c.encode(event, forKey: .event)
        try c.encodeIfPresent(event_loc, forKey: .event_loc)
        if !event_text.isEmpty { try c.encode(event_text, forKey: .event_text) }
        try c.encodeIfPresent(quad_code, forKey: .quad_code)
        if !mode.isEmpty { try c.encode(mode, forKey: .mode) }
        if !context.isEmpty { try c.encode(context, forKey: .context) }
        try c.encodeIfPresent(link, forKey: .link)
        if !text_info.isEmpty { try c.encode(text_info, forKey: .text_info) }
        try c.encode(cite_info, forKey: .cite_info)
        if !coder.isEmpty { try c.encode(coder, forKey: .coder) }
        try c.encodeIfPresent(coded_date, forKey: .coded_date)
        try c.encodeIfPresent(coded_time, forKey: .coded_time)
        try c.encodeIfPresent(comment, forKey: .comment)
        try c.encode(concord, forKey: .concord)
    }

    enum CodingKeys: String, CodingKey {
        case id, has_event, date, enddate, actor, recipient, event, event_loc, event_text, quad_code, mode, context
        case link, text_info, cite_info, coder, coded_date, coded_time, comment, concord
    }
}

/// The events of one cluster, as one exported record.
struct ClusterRecord {
    let members: [EntitySnapshot]
    let coders: [String]

    private let creators: [String: String]

    init(members: [EntitySnapshot], creators: [String: String]) {
        self.members = members
        self.creators = creators
        coders = Set(members.compactMap { creators[$0.id.rawValue] }).filter { !$0.isEmpty }.sorted()
    }

    /// The analyst who created `member`.
    func creator(of member: EntitySnapshot) -> String? { creators[member.id.rawValue] }

    var id: String { members.first?.id.rawValue ?? "" }

    /// The displayed value the members agree on, else the first member's that has one.
    func value(_ field: String) -> String? {
        members.lazy.compactMap { $0.fields[field]?.value.string }.first
    }

    /// The union of the members' sets.
    func set(_ field: String) -> [String] { Set(members.flatMap { $0.sets[field] ?? [] }).sorted() }

    /// The documents of the members, the first member's first.
    var documents: [String] {
        var seen = Set<String>()
        return members.compactMap { $0.fields["doc"]?.value.string }.filter { seen.insert($0).inserted }
    }

    /// Fields in conflict on a member, or coded fields two members show differently: provisional values.
    /// (Members' titles, quotes and documents differ by nature and are not disputes.)
    var contested: [String] {
        var fields = Set(members.flatMap(\.conflictedFields))
        for field in Schema.codedEventFields {
            let registers = Set(members.compactMap { $0.fields[field]?.value })
            let sets = Set(members.compactMap { $0.sets[field].map { Set($0) } })
            if registers.count > 1 || sets.count > 1 { fields.insert(field) }
        }
        return fields.sorted()
    }
}
