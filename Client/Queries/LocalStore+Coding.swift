import ConcordCore
import ConcordSQLite
import GRDB

extension LocalStore {
    /// `concord agreement`: Krippendorff's α per coded field, percent agreement, and per-pair detection F1 and
    /// field agreement, over this store's events (DESIGN §11). Reads the log once, one event at a time.
    public func agreement() throws -> AgreementReport {
        try read { db in AgreementReport.compute(try Self.agreementInput(db), fields: FieldSpec.coded) }
    }

    /// What agreement reads from this store (events, links, votes), for callers that compute or time it apart.
    public func agreementInput() throws -> AgreementInput {
        try read { db in try Self.agreementInput(db) }
    }

    /// What `concord match` compares, for callers that score or time it apart.
    public func matchEvents() throws -> [MatchEvent] {
        try read { db in try Self.matchEvents(db) }
    }

    /// `concord match`: pairs of unlinked events by different analysts that likely report the same happening.
    public func matchSuggestions(doc: String? = nil, minimum: Double = 0.5, limit: Int? = nil) throws
        -> [MatchSuggestion]
    {
        try read { db in
            let document = try doc.map { try Self.resolve($0, kind: .document, db).rawValue }
            return MatchScorer.suggestions(
                try Self.matchEvents(db), minimum: minimum, document: document, limit: limit)
        }
    }

    /// The clusters of this store's events (DESIGN §11): connected components under live `same_as` links.
    public func clusters() throws -> Clusters {
        try read { db in
            let events = try Self.codingEvents(db)
            return Clusters(
                events: events.map(\.id), deleted: Set(events.filter(\.deleted).map(\.id)), links: try Self.links(db))
        }
    }

    /// Events with their creator (the author of their earliest change), document and deletion.
    static func codingEvents(_ db: Database) throws -> [CodingEvent] {
        var creators: [String: String] = [:]
        let creatorRows = try RawStatement(db, sql: "SELECT entity, author FROM event_creator")
        try creatorRows.forEachRow { row in creators[row.text(0)] = row.text(1) }
        var events: [CodingEvent] = []
        let rows = try RawStatement(db, sql: "SELECT id, doc, deleted FROM entity WHERE kind = 'event'")
        try rows.forEachRow { row in
            let id = row.text(0)
            events.append(
                CodingEvent(
                    id: id, document: row.isNull(1) ? nil : row.text(1), creator: creators[id] ?? "",
                    deleted: row.integer(2) != 0))
        }
        return events
    }

    /// The live `same_as` links as (event, event) pairs.
    static func links(_ db: Database) throws -> [(String, String)] {
        var links: [(String, String)] = []
        let rows = try RawStatement(
            db, sql: "SELECT entity, value FROM version WHERE field = '\(Schema.sameAsField)' AND kind = 's'")
        try rows.forEachRow { row in links.append((row.text(0), row.text(1))) }
        return links
    }

    /// What ``AgreementReport/compute(_:fields:)`` reads: events, links, and every coder's votes from the log.
    static func agreementInput(_ db: Database) throws -> AgreementInput {
        let coded = Schema.codedEventFields
        let sets = Set(coded.filter { Schema.field($0, of: .event)?.kind == .set })
        var votes: [CoderVote] = []
        var current = ""
        var changes: [CodedChange] = []
        func flush() {
            if !changes.isEmpty { votes += CodingVotes.votes(event: current, changes: changes, sets: sets) }
            changes.removeAll(keepingCapacity: true)
        }
        let rows = try RawStatement(
            db,
            sql: """
                SELECT entity, id, field, op, value, author, hlc, supersedes FROM change
                WHERE field IN (SELECT value FROM json_each(?)) AND entity >= 'event/' AND entity < 'event0'
                    AND state != 'rejected' AND schema <= ?
                ORDER BY entity
                """)
        rows.bind(RawStatement.jsonArray(coded), at: 1)
        rows.bind(Int64(Schema.version), at: 2)
        try rows.forEachRow { row in
            let entity = row.text(0)
            if entity != current {
                flush()
                current = entity
            }
            guard let op = ChangeOp(rawValue: row.text(3)) else { return }
            let supersedes = row.text(7)
            changes.append(
                CodedChange(
                    id: row.text(1), field: row.text(2), op: op, value: row.text(4), author: row.text(5),
                    hlc: row.text(6),
                    supersedes: supersedes.isEmpty ? [] : supersedes.split(separator: ",").map(String.init)))
        }
        flush()
        return AgreementInput(events: try codingEvents(db), links: try links(db), votes: votes)
    }

    /// What ``MatchScorer`` compares: every event's creator, document, coded values, title and evidence span.
    static func matchEvents(_ db: Database) throws -> [MatchEvent] {
        let events = try codingEvents(db)
        let clusters = Clusters(
            events: events.map(\.id), deleted: Set(events.filter(\.deleted).map(\.id)), links: try links(db))
        var byID: [String: MatchEvent] = [:]
        for event in events where !event.deleted {
            byID[event.id] = MatchEvent(
                id: event.id, creator: event.creator, document: event.document, type: nil, date: nil, actors: [],
                title: "", span: nil, cluster: clusters.cluster(of: event.id) ?? event.id)
        }
        // Title, type and date as the summary rows show them (a register in conflict shows its provisional value:
        // a suggestion, not a verdict); actors and the evidence quote from the live versions.
        let summaries = try RawStatement(db, sql: "SELECT id, title, type, date FROM entity WHERE kind = 'event'")
        try summaries.forEachRow { row in
            let id = row.text(0)
            guard byID[id] != nil else { return }
            if !row.isNull(1) { byID[id]!.title = row.text(1) }
            if !row.isNull(2) { byID[id]!.type = row.text(2) }
            if !row.isNull(3) { byID[id]!.date = row.text(3) }
        }
        var evidence: [String: (hlc: String, quote: String)] = [:]
        let rows = try RawStatement(
            db,
            sql: """
                SELECT entity, field, value, hlc FROM version
                WHERE entity >= 'event/' AND entity < 'event0' AND field IN ('actors', 'evidence')
                """)
        try rows.forEachRow { row in
            let id = row.text(0)
            guard byID[id] != nil else { return }
            if row.text(1) == "actors" {
                byID[id]!.actors.append(row.text(2))
            } else if let current = evidence[id], current.hlc >= row.text(3) {
                return
            } else {
                evidence[id] = (row.text(3), row.text(2))
            }
        }
        var texts: [String: String] = [:]
        for (id, (_, quote)) in evidence {
            guard let document = byID[id]?.document else { continue }
            if texts[document] == nil {
                texts[document] =
                    try String.fetchOne(
                        db, sql: "SELECT value FROM version WHERE entity = ? AND field = 'text' LIMIT 1",
                        arguments: [document]) ?? ""
            }
            byID[id]!.span = Evidence.span(of: quote, in: texts[document]!)
        }
        return byID.values.sorted { $0.id < $1.id }
    }
}

extension LocalStore {
    /// The creator of an event (the author of its earliest change) and, for each set field, who added each live
    /// element: what `concord show` prints beside the values.
    public func authorship(of id: EntityID) throws -> (creator: String?, setAuthors: [String: [String: [String]]]) {
        try read { db in
            let creator = try String.fetchOne(
                db, sql: "SELECT author FROM event_creator WHERE entity = ?", arguments: [id.rawValue])
            var sets: [String: [String: Set<String>]] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT field, value, author FROM version WHERE entity = ? AND kind = 's'",
                arguments: [id.rawValue])
            for row in rows {
                let field: String = row[0]
                let value: String = row[1]
                let author: String = row[2]
                sets[field, default: [:]][value, default: []].insert(author)
            }
            return (creator, sets.mapValues { $0.mapValues { $0.sorted() } })
        }
    }
}
