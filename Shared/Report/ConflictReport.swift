import Foundation

/// The conflict-resolution report of protocol.md §9: what analysts disagree on, what was decided, by whom and why.
///
/// Built from the set of all changes by ``build(from:generatedAt:)`` (or a ``ReportBuilder`` fed row by row)
/// through the one merge, or by a store from ``ReportInputs`` it reads off its merged view
/// (``build(inputs:generatedAt:)``), and rendered as ``markdown()``, ``json()`` or ``html()`` from this one
/// value, so the three always agree. The value depends only on the *set* of changes: order and duplicates do not
/// matter, and with a fixed `generatedAt` the JSON is byte-identical.
///
/// ## JSON shape (`report_version` 1)
///
/// Keys are snake_case and sorted; optional keys (`generated_at`, `range`, `title`, `document`, `evidence`,
/// `reason`, `rate`, `agreement_rate`) are omitted when there is nothing to say. Clocks appear twice: `hlc`
/// (`"<unix-ms>:<counter>"`, exact) and `time` (ISO 8601 UTC, seconds). Values are strings, or booleans for `deleted`.
///
/// ```
/// { "report_version": 1, "generated_at": "…Z",
///   "header": { "range": {"first_hlc", "last_hlc", "first_time", "last_time"},
///               "counts": {"changes", "documents", "events", "deleted_events", "analysts", "open_conflicts",
///                          "resolved_conflicts", "delete_edit_conflicts", "agreement_episodes",
///                          "conflict_episodes"},
///               "agreement_rate": 0.5 },
///   "open_conflicts": [ {"entity", "title", "field", "since", "document": {"id", "title"}, "evidence",
///                        "candidates": [ {"change", "value", "author", "hlc", "time"} ]} ],
///   "resolved_conflicts": [ {"entity", "members", "title", "field", "document", "alternatives": [candidate],
///                            "chosen": candidate, "reason", "chosen_was_alternative"} ],
///   "delete_edit_conflicts": [ {"entity", "title", "document", "deletes": [candidate],
///                               "edits": [ {"change", "field", "op", "value", "author", "hlc", "time"} ]} ],
///   "field_agreement": [ {"entity_kind", "field", "agreements", "conflicts", "rate"} ],
///   "analysts": [ {"analyst", "changes", "events_touched", "conflicts_involved", "agreements_involved",
///                  "resolutions", "first_hlc", "last_hlc", "first_time", "last_time"} ],
///   "definitions": { NAME: TEXT } }
/// ```
///
/// Ordering: open conflicts grouped by entity, most important first (``ConflictReport/importantFields``: type before
/// mode, date, actors, ..., confidence; then more fields in conflict, then oldest), fields in that order; resolved
/// conflicts
/// by the resolution's clock (oldest first); delete/edit conflicts by their earliest live delete; field rows by
/// entity kind then field; analysts by name; candidates and alternatives in merge order.
public struct ConflictReport: Hashable, Sendable, Codable {
    /// The version of the JSON shape; bumped only when a key changes meaning or disappears.
    public static let formatVersion = 1

    public var reportVersion: Int
    /// When the report was generated (ISO 8601 UTC), if the caller said.
    public var generatedAt: String?
    public var header: Header
    public var openConflicts: [OpenConflict]
    public var resolvedConflicts: [ResolvedConflict]
    public var deleteEditConflicts: [DeleteEditConflict]
    /// Linked events that analysts coded differently, still open (protocol.md §11).
    public var clusterDisagreements: [ClusterConflict] = []
    public var fieldAgreement: [FieldAgreement]
    public var analysts: [AnalystActivity]
    /// Inter-coder agreement over events' coded fields: Krippendorff's α, detection F1 (protocol.md §11).
    public var coding = Coding()
    /// How the figures are defined, for readers of the JSON.
    public var definitions: [String: String]

    enum CodingKeys: String, CodingKey {
        case reportVersion = "report_version"
        case generatedAt = "generated_at"
        case header
        case openConflicts = "open_conflicts"
        case resolvedConflicts = "resolved_conflicts"
        case deleteEditConflicts = "delete_edit_conflicts"
        case clusterDisagreements = "cluster_disagreements"
        case fieldAgreement = "field_agreement"
        case analysts
        case coding
        case definitions
    }

    /// Builds the report from every change known (any order, duplicates welcome).
    public static func build(from changes: some Sequence<Change>, generatedAt: Date? = nil) -> ConflictReport {
        let changes = Array(changes)
        // Knowing every change in advance, the builder need keep only the `set` changes a resolution may list.
        var keeping = Set<ChangeID>()
        for change in changes where ReportInputs.SupersedingChange.isCandidate(change) {
            keeping.formUnion(change.supersedes)
        }
        var builder = ReportBuilder(keeping: keeping)
        builder.add(contentsOf: changes)
        return builder.finish(generatedAt: generatedAt)
    }

    /// The open conflicts as the report lists them: one group per entity, in order.
    public var openConflictsByEntity: [[OpenConflict]] {
        var groups: [[OpenConflict]] = []
        for conflict in openConflicts {
            if groups.last?.first?.entity == conflict.entity {
                groups[groups.count - 1].append(conflict)
            } else {
                groups.append([conflict])
            }
        }
        return groups
    }

    /// The definitions carried in every report.
    public static let standardDefinitions: [String: String] = [
        "episode":
            "For one register field of one entity: (a) its current live versions, and (b) for each set change, the "
            + "versions of the same entity and field it supersedes. An episode with two or more versions by two or "
            + "more distinct analysts is an agreement if all values are equal, a conflict otherwise. Each distinct "
            + "episode (set of version ids) counts once.",
        "agreement_rate": "agreements / (agreements + conflicts) over episodes; absent when there are none.",
        "open_conflict": "A register field whose live versions hold two or more different values.",
        "resolved_conflict":
            "A set change whose supersedes covers two or more versions of its own entity and field with different "
            + "values, or an adjudicator's decision with a reason covering one or more (a restore or delete "
            + "decision on the deleted field, a resolution written to linked events: one entry, with members); "
            + "chosen_was_alternative says whether its value was one of theirs.",
        "delete_edit_conflict":
            "A deleted entity with live versions, set adds or notes that the live delete did not see.",
        "conflicts_involved": "Conflict episodes in which the analyst wrote one of the versions.",
        "agreements_involved": "Agreement episodes in which the analyst wrote one of the versions.",
        "time": "ISO 8601 UTC rendering of the hlc's milliseconds, to the second.",
        "coding":
            "Inter-coder agreement over events' coded fields: a unit is a cluster of linked events and "
            + "a field two or more analysts voted on; alpha is Krippendorff's (nominal, ordinal, interval on day "
            + "numbers, or MASI for sets), absent when undefined; coded_agreement_rate is agreement_rate over the "
            + "episodes of events' coded fields only. `concord agreement --json` gives the reliability data.",
    ]
}

extension ConflictReport {
    /// The data's time range and the headline counts.
    public struct Header: Hashable, Sendable, Codable {
        /// Smallest and greatest clock of any change; absent for an empty store.
        public var range: TimeRange?
        public var counts: Counts
        /// Agreements / (agreements + conflicts) over every episode; absent when there are none.
        public var agreementRate: Double?

        enum CodingKeys: String, CodingKey {
            case range, counts
            case agreementRate = "agreement_rate"
        }
    }

    /// The first and last clock readings in the data.
    public struct TimeRange: Hashable, Sendable, Codable {
        public var firstHLC: HLC
        public var lastHLC: HLC
        public var firstTime: String
        public var lastTime: String

        enum CodingKeys: String, CodingKey {
            case firstHLC = "first_hlc"
            case lastHLC = "last_hlc"
            case firstTime = "first_time"
            case lastTime = "last_time"
        }
    }

    /// Headline counts.
    public struct Counts: Hashable, Sendable, Codable {
        /// Distinct changes.
        public var changes: Int
        public var documents: Int
        public var events: Int
        /// Events whose displayed `deleted` is true.
        public var deletedEvents: Int
        /// Distinct authors of changes.
        public var analysts: Int
        /// Register fields in conflict now.
        public var openConflicts: Int
        public var resolvedConflicts: Int
        /// Entities in a delete/edit conflict now.
        public var deleteEditConflicts: Int
        public var agreementEpisodes: Int
        public var conflictEpisodes: Int

        enum CodingKeys: String, CodingKey {
            case changes, documents, events, analysts
            case deletedEvents = "deleted_events"
            case openConflicts = "open_conflicts"
            case resolvedConflicts = "resolved_conflicts"
            case deleteEditConflicts = "delete_edit_conflicts"
            case agreementEpisodes = "agreement_episodes"
            case conflictEpisodes = "conflict_episodes"
        }
    }

    /// One version of a field as the report shows it.
    public struct Candidate: Hashable, Sendable, Codable {
        public var change: ChangeID
        public var value: FieldValue
        public var author: AnalystName
        public var hlc: HLC
        public var time: String

        init(_ version: Version) {
            change = version.change
            value = version.value
            author = version.author
            hlc = version.hlc
            time = UTCTime.iso(millis: version.hlc.millis)
        }
    }

    /// The document an event comes from.
    public struct DocumentRef: Hashable, Sendable, Codable {
        public var id: EntityID
        /// The document's displayed title, when the document is known.
        public var title: String?
    }

    /// A register field in conflict now.
    public struct OpenConflict: Hashable, Sendable, Codable {
        public var entity: EntityID
        /// The entity's displayed title.
        public var title: String?
        public var field: String
        /// The earliest candidate's clock: how long the dispute has been open.
        public var since: HLC
        /// The live versions, in merge order (the last one is displayed provisionally).
        public var candidates: [Candidate]
        public var document: DocumentRef?
        /// The event's displayed evidence quote.
        public var evidence: String?
    }

    /// A coded field of a cluster of linked events on which analysts' latest versions differ, on different members;
    /// an adjudicator's `concord resolve` on any member ends it.
    public struct ClusterConflict: Hashable, Sendable, Codable {
        /// The cluster's id (its smallest event id).
        public var cluster: EntityID
        public var field: String
        /// Each analyst's latest version on any member, by analyst name.
        public var candidates: [Vote]

        public struct Vote: Hashable, Sendable, Codable {
            public var event: EntityID
            /// The member's displayed title.
            public var title: String?
            public var change: ChangeID
            public var value: FieldValue
            public var author: AnalystName
            public var hlc: HLC
            public var time: String
        }

        /// The report's shape of a disagreement, with the members' displayed titles.
        public init(_ disagreement: ClusterDisagreement, titles: [EntityID: String]) {
            cluster = disagreement.cluster
            field = disagreement.field
            candidates = disagreement.candidates.map {
                Vote(
                    event: $0.event, title: titles[$0.event], change: $0.change, value: $0.value, author: $0.author,
                    hlc: $0.hlc, time: UTCTime.iso(millis: $0.hlc.millis))
            }
        }
    }

    /// A decision: a change that decided between two or more different values, or one an adjudicator gave a reason
    /// for (a restore or delete decision, a cluster's resolution). A cluster decision is one entry naming the
    /// linked events it was written to.
    public struct ResolvedConflict: Hashable, Sendable, Codable {
        /// The entity decided on; for a cluster decision, its first member (smallest id).
        public var entity: EntityID
        /// The linked events a cluster decision was written to (protocol.md §11), sorted; nil for one entity.
        public var members: [EntityID]?
        public var title: String?
        public var field: String
        public var document: DocumentRef?
        /// The superseded versions of this field, in merge order.
        public var alternatives: [Candidate]
        /// The resolution itself: its value, author (who chose) and clock (when).
        public var chosen: Candidate
        public var reason: String?
        /// Whether the chosen value equals one of the alternatives' values.
        public var chosenWasAlternative: Bool

        /// What was decided, for a heading: the field, or `restore`/`delete` for a decision on `deleted`.
        public var headline: String {
            guard field == EntitySnapshot.deletedField else { return field }
            return chosen.value == .bool(false) ? "restore" : "delete"
        }

        enum CodingKeys: String, CodingKey {
            case entity, members, title, field, document, alternatives, chosen, reason
            case chosenWasAlternative = "chosen_was_alternative"
        }
    }

    /// A deleted entity with edits the delete did not see.
    public struct DeleteEditConflict: Hashable, Sendable, Codable {
        public var entity: EntityID
        public var title: String?
        public var document: DocumentRef?
        /// The live `deleted=true` versions, in merge order.
        public var deletes: [Candidate]
        /// The unseen edits, in merge order.
        public var edits: [Edit]
    }

    /// One change a delete did not see.
    public struct Edit: Hashable, Sendable, Codable {
        public var change: ChangeID
        public var field: String
        public var op: ChangeOp
        public var value: FieldValue
        public var author: AnalystName
        public var hlc: HLC
        public var time: String
    }

    /// Agreement figures of one field.
    public struct FieldAgreement: Hashable, Sendable, Codable {
        public var entityKind: EntityID.Kind
        public var field: String
        public var agreements: Int
        public var conflicts: Int
        /// agreements / (agreements + conflicts); absent when both are zero.
        public var rate: Double?

        enum CodingKeys: String, CodingKey {
            case field, agreements, conflicts, rate
            case entityKind = "entity_kind"
        }
    }

    /// What one analyst did.
    public struct AnalystActivity: Hashable, Sendable, Codable {
        public var analyst: AnalystName
        public var changes: Int
        /// Distinct events the analyst wrote any change to.
        public var eventsTouched: Int
        public var conflictsInvolved: Int
        public var agreementsInvolved: Int
        /// Resolutions (see ``ResolvedConflict``) the analyst wrote.
        public var resolutions: Int
        public var firstHLC: HLC
        public var lastHLC: HLC
        public var firstTime: String
        public var lastTime: String

        enum CodingKeys: String, CodingKey {
            case analyst, changes, resolutions
            case eventsTouched = "events_touched"
            case conflictsInvolved = "conflicts_involved"
            case agreementsInvolved = "agreements_involved"
            case firstHLC = "first_hlc"
            case lastHLC = "last_hlc"
            case firstTime = "first_time"
            case lastTime = "last_time"
        }
    }
}
