import ConcordCore
import ConcordSQLite
import GRDB

extension LocalStore {
    /// `concord agreement`: Krippendorff's α per coded field, percent agreement, and per-pair detection F1 and
    /// field agreement, over this store's events (protocol.md §11). Reads the events, their links and the votes the store keeps.
    public func agreement() throws -> AgreementReport {
        try read { db in
            AgreementReport.compute(
                try Self.agreementInput(db), fields: FieldSpec.coded)
        }
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
            let document = try doc.map { try Self.entityID(matching: $0, kind: .document, db).rawValue }
            return MatchScorer.suggestions(
                try Self.matchEvents(db), minimum: minimum, document: document, limit: limit)
        }
    }

    /// The clusters of this store's events (protocol.md §11): connected components under live `same_as` links.
    public func clusters() throws -> Clusters {
        try read { db in try Self.clusters(db) }
    }

    /// The clusters of the events of the view, under its live links.
    static func clusters(_ db: Database) throws -> Clusters {
        var events: [String] = []
        var deleted = Set<String>()
        try RawStatement(db, sql: "SELECT id, deleted FROM entity WHERE kind = 'event'").forEachRow { row in
            events.append(row.text(0))
            if row.integer(1) != 0 { deleted.insert(row.text(0)) }
        }
        return Clusters(events: events, deleted: deleted, links: try links(db))
    }

    /// Each event's creator (the author of its earliest change), as `event_creator` keeps it.
    static func creators(_ db: Database) throws -> [String: String] {
        var creators: [String: String] = [:]
        try RawStatement(db, sql: "SELECT entity, author FROM event_creator").forEachRow { row in
            creators[row.text(0)] = row.text(1)
        }
        return creators
    }

    /// Events with their creator (the author of its earliest change, as `event_creator` keeps it), document and
    /// deletion. SQLite joins the creator in by its key, cheaper than a dictionary of 100k ids in Swift.
    static func codingEvents(_ db: Database) throws -> [CodingEvent] {
        var events: [CodingEvent] = []
        let rows = try RawStatement(
            db,
            sql: """
                SELECT e.id, e.doc, e.deleted, c.author FROM entity e LEFT JOIN event_creator c ON c.entity = e.id
                WHERE e.kind = 'event'
                """)
        try rows.forEachRow { row in
            events.append(
                CodingEvent(
                    id: row.text(0), document: row.isNull(1) ? nil : row.text(1),
                    creator: row.isNull(3) ? "" : row.text(3), deleted: row.integer(2) != 0))
        }
        return events
    }

    /// The live `same_as` links as (event, event) pairs.
    static func links(_ db: Database) throws -> [(String, String)] {
        var links: [(String, String)] = []
        let rows = try RawStatement(
            db,
            sql:
                "SELECT entity, value FROM version WHERE field = '\(Schema.sameAsField)' AND kind = \(VersionKind.setAdd.sql)"
        )
        try rows.forEachRow { row in links.append((row.text(0), row.text(1))) }
        return links
    }

    /// What ``AgreementReport/compute(_:fields:)`` reads: events, links, and every coder's votes as `coder_vote`
    /// keeps them (``refreshVotes(of:new:understanding:_:)``: only changes of schemas the view holds count).
    static func agreementInput(_ db: Database) throws -> AgreementInput {
        var input = AgreementInput(events: try codingEvents(db), links: try links(db), votes: try votes(db))
        let understood = try Int.fetchOne(db, sql: "SELECT viewSchema FROM store") ?? Int(Int32.max)
        try applyBlindCoding(to: &input, understanding: understood, db)
        return input
    }

    /// What ``MatchScorer`` compares: every event's creator, document, coded values, title and evidence span.
    static func matchEvents(_ db: Database) throws -> [MatchEvent] {
        // One pass over the summary rows: live events with the title, type and date they show (a register in
        // conflict shows its provisional value: a suggestion, not a verdict), in id order.
        var events: [MatchEvent] = []
        var index: [String: Int] = [:]
        var deleted = Set<String>()
        let summaries = try RawStatement(
            db,
            sql: """
                SELECT e.id, e.doc, e.deleted, e.title, e.type, e.date, c.author
                FROM entity e LEFT JOIN event_creator c ON c.entity = e.id
                WHERE e.kind = 'event' ORDER BY e.id
                """)
        try summaries.forEachRow { row in
            let id = row.text(0)
            guard row.integer(2) == 0 else {
                deleted.insert(id)
                return
            }
            index[id] = events.count
            events.append(
                MatchEvent(
                    id: id, creator: row.isNull(6) ? "" : row.text(6), document: row.isNull(1) ? nil : row.text(1),
                    type: row.isNull(4) ? nil : row.text(4), date: row.isNull(5) ? nil : row.text(5), actors: [],
                    title: row.isNull(3) ? "" : row.text(3), span: nil, cluster: id))
        }
        let clusters = Clusters(events: events.map(\.id), deleted: [], links: try links(db))
        for i in events.indices { events[i].cluster = clusters.cluster(of: events[i].id) ?? events[i].id }
        // Actors, recipients, dismissals, the country and the evidence quote from the live versions.
        var evidence: [Int: (hlc: String, quote: String)] = [:]
        var country: [Int: (hlc: String, code: String)] = [:]
        let rows = try RawStatement(
            db,
            sql: """
                SELECT entity, field, value, hlc FROM version
                WHERE \(EntityID.Kind.event.sqlCondition("entity"))
                  AND field IN ('actors', 'recipients', 'evidence', 'country', '\(Schema.distinctFromField)')
                """)
        var lastEntity = ""
        var last: Int?
        var dismissed: [(Int, String)] = []
        try rows.forEachRow { row in
            let entity = row.text(0)
            if entity != lastEntity {
                lastEntity = entity
                last = index[entity]
            }
            guard let i = last else { return }
            switch row.text(1) {
            case "actors": events[i].actors.append(row.text(2))
            case "recipients": events[i].recipients.append(row.text(2))
            case Schema.distinctFromField: dismissed.append((i, row.text(2)))
            case "country":
                // A register in conflict: the provisional value, as the summary rows show.
                if let current = country[i], current.hlc >= row.text(3) { return }
                country[i] = (row.text(3), row.text(2))
            default:
                if let current = evidence[i], current.hlc >= row.text(3) { return }
                evidence[i] = (row.text(3), row.text(2))
            }
        }
        for (i, value) in country { events[i].country = value.code.isEmpty ? nil : value.code }
        // Dismissal is symmetric: either event's `distinct_from` keeps the pair apart.
        for (i, other) in dismissed {
            events[i].distinct.insert(other)
            if let j = index[other] { events[j].distinct.insert(events[i].id) }
        }
        var texts: [String: Evidence.Normalized] = [:]
        for (i, (_, quote)) in evidence {
            events[i].evidence = quote
            guard let document = events[i].document else { continue }
            if texts[document] == nil {
                texts[document] = Evidence.Normalized(try LocalStore.documentText(document, db) ?? "")
            }
            if let located = Evidence.locate(quote, in: texts[document]!) {
                events[i].span = located.span
                events[i].sentence = located.sentence
                events[i].sentenceText = located.sentenceText
            }
        }
        return events
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
                db,
                sql: "SELECT field, value, author FROM version WHERE entity = ? AND kind = \(VersionKind.setAdd.sql)",
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
