/// Analysts who coded a field of linked events differently (protocol.md §11): the shape `concord conflicts --json`
/// and `GET /v1/conflicts` list beside entity conflicts,
/// `{"cluster", "field", "candidates": [{"event", "change", "value", "author", "hlc"}]}`.
///
/// For each coded register field of a cluster of two or more events, each analyst's vote is their latest live
/// version (merge order) on any member; the field is a disagreement when two analysts' votes differ and sit on
/// different members (votes that all sit on one event are that event's own conflict, listed already). Coded sets
/// (`actors`, `recipients`, `context`) are not listed here: their elements not in every analyst's set are shown as
/// disputed on each event, and agreement measures them with MASI.
public struct ClusterDisagreement: Codable, Hashable, Sendable {
    public var cluster: EntityID
    public var field: String
    public var candidates: [Candidate]

    public struct Candidate: Codable, Hashable, Sendable {
        public var event: EntityID
        public var change: ChangeID
        /// A register's value; for a set field, the coder's elements joined with ", " (`elements` has them).
        public var value: FieldValue
        public var author: AnalystName
        public var hlc: HLC
        /// A set field's elements as this coder has them on the cluster, sorted (absent for a register).
        public var elements: [String]? = nil
    }

    public init(cluster: EntityID, field: String, candidates: [Candidate]) {
        self.cluster = cluster
        self.field = field
        self.candidates = candidates
    }

    /// The disagreements of the clusters these events form. `events` must hold every member of each cluster it
    /// touches (all events, or the members of the multi-event clusters): links to absent events are ignored.
    /// Sorted by cluster, then field.
    public static func list(_ events: [EntitySnapshot]) -> [ClusterDisagreement] {
        let byID = Dictionary(events.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { a, _ in a })
        var links: [(String, String)] = []
        for event in events where !event.deleted {
            for other in event.sets[Schema.sameAsField] ?? [] { links.append((event.id.rawValue, other)) }
        }
        let clusters = Clusters(
            events: Array(byID.keys), deleted: Set(events.filter(\.deleted).map(\.id.rawValue)), links: links)
        let fields = Schema.codedEventFields.filter { Schema.field($0, of: .event)?.kind == .register }
        var out: [ClusterDisagreement] = []
        for (cluster, members) in clusters.members.sorted(by: { $0.key < $1.key }) where members.count > 1 {
            for field in fields {
                var votes: [AnalystName: (Version, EntityID)] = [:]
                for member in members {
                    guard let snapshot = byID[member] else { continue }
                    for version in snapshot.fields[field]?.candidates ?? [] {
                        if let current = votes[version.author], !current.0.precedes(version) { continue }
                        votes[version.author] = (version, snapshot.id)
                    }
                }
                // Votes that all sit on one member are that event's own conflict, listed as such already.
                guard Set(votes.values.map(\.0.value)).count > 1, Set(votes.values.map(\.1)).count > 1 else {
                    continue
                }
                out.append(
                    ClusterDisagreement(
                        cluster: byID[cluster]!.id, field: field,
                        candidates: votes.sorted { $0.key < $1.key }.map { author, vote in
                            Candidate(
                                event: vote.1, change: vote.0.change, value: vote.0.value, author: author,
                                hlc: vote.0.hlc)
                        }))
            }
        }
        // Sets (protocol.md §16): a coder's value is their own elements on any member (their live adds); the
        // cluster disagrees while two coders' sets differ and the members do not all show one set (a resolution
        // writes the chosen set to every member).
        let setFields = Schema.codedEventFields.filter { Schema.field($0, of: .event)?.kind == .set }
        for (cluster, members) in clusters.members.sorted(by: { $0.key < $1.key }) where members.count > 1 {
            let snapshots = members.compactMap { byID[$0] }
            for field in setFields {
                var votes: [AnalystName: (elements: Set<String>, latest: Version, event: EntityID)] = [:]
                for snapshot in snapshots {
                    for (author, vote) in snapshot.setVotes(field) {
                        var current = votes[author] ?? ([], vote.latest, snapshot.id)
                        current.elements.formUnion(vote.elements)
                        if current.latest.precedes(vote.latest) {
                            (current.latest, current.event) = (vote.latest, snapshot.id)
                        }
                        votes[author] = current
                    }
                }
                let shown = Set(snapshots.map { $0.sets[field] ?? [] })
                guard votes.count > 1, Set(votes.values.map(\.elements)).count > 1, shown.count > 1 else { continue }
                out.append(
                    ClusterDisagreement(
                        cluster: byID[cluster]!.id, field: field,
                        candidates: votes.sorted { $0.key < $1.key }.map { author, vote in
                            let elements = vote.elements.sorted()
                            return Candidate(
                                event: vote.event, change: vote.latest.change,
                                value: .string(elements.joined(separator: ", ")), author: author,
                                hlc: vote.latest.hlc, elements: elements)
                        }))
            }
        }
        return out.sorted { ($0.cluster.rawValue, $0.field) < ($1.cluster.rawValue, $1.field) }
    }
}

/// One item of `concord conflicts --json` and `GET /v1/conflicts`: an entity's conflict, or a cluster's
/// disagreement (entity conflicts first).
public enum ConflictEntry: Encodable, Hashable, Sendable {
    case entity(ConflictView)
    case cluster(ClusterDisagreement)

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .entity(let view): try view.encode(to: encoder)
        case .cluster(let disagreement): try disagreement.encode(to: encoder)
        }
    }

    /// Entity conflicts, then cluster disagreements.
    public static func list(_ conflicts: [ConflictView], _ clusters: [ClusterDisagreement]) -> [ConflictEntry] {
        conflicts.map(ConflictEntry.entity) + clusters.map(ConflictEntry.cluster)
    }
}
