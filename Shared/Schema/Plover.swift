/// The PLOVER codebook (openeventdata/PLOVER manual, `PLOVER_MANUAL.tex` "DRAFT Version: 1.3",
/// commit a67ea3c891192e2c630b42b326f09de908f9b88c): modes per event type and contexts.
///
/// All values are copied from the manual's LaTeX tables exactly as spelled there
/// (LaTeX `\_` written as `_`). `docs/plover.md` quotes the lines they come from.
public enum Plover {
    /// The manual's auxiliary modes, valid on any event type (coded in Concord's `aux`, protocol.md §17; exported
    /// inside `mode`).
    public static let auxModes = ["future", "historical", "hypothetical", "negation"]

    /// Valid modes per event type (EventType raw value → modes), as the manual spells them.
    ///
    /// An empty array means the manual says "Supplementary fields: None" for that event type
    /// (AGREE, SUPPORT, CONCEDE, COOPERATE, AID). REQUEST and REJECT share the same four modes.
    /// The manual has no `host` or `remote` mode for CONSULT: `visit` covers "actor is visiting,
    /// recipient is hosting", and `phone` covers "phone or some other remote medium".
    public static let modes: [String: [String]] = [
        "AGREE": [],
        "CONSULT": ["visit", "third-party", "multilateral", "phone"],
        "SUPPORT": [],
        "CONCEDE": [],
        "COOPERATE": [],
        "AID": [],
        "RETREAT": ["withdraw", "release", "return", "disarm", "ceasefire", "access", "resign"],
        "REQUEST": ["assist", "change", "yield", "meet"],
        "ACCUSE": ["disapprove", "investigate", "allege"],
        "REJECT": ["assist", "change", "yield", "meet"],
        "THREATEN": ["restrict", "ban", "arrest", "relations", "expel", "territory", "violence"],
        "PROTEST": ["demo", "riot", "strike", "hunger", "boycott", "obstruct"],
        "SANCTION": ["convict", "expel", "withdraw", "discontinue"],
        "MOBILIZE": ["troops", "weapons", "police", "militia"],
        "COERCE": [
            "seize", "restrict", "ban", "censor", "curfew", "martial-law", "arrest", "deport",
            "withhold", "misinformation", "cyber",
        ],
        "ASSAULT": [
            "abduct", "beat", "torture", "execute", "sexual", "assassinate", "destroy", "primitive",
            "firearms", "explosives", "suicide-attack", "aerial", "drone", "heavy-weapons",
            "crowd-control", "cleansing", "massacre", "unconventional", "sideAB",
        ],
    ]

    /// Valid contexts: the manual's "General contexts" table (Table `tab:general-contexts`),
    /// 37 entries, in the manual's order.
    public static let contexts: [String] = [
        "military", "intelligence", "executive", "legislative", "election",
        "political_institutions", "pro_democracy", "pro_autocracy", "economic", "legal",
        "reparations", "human_rights", "rights_freedoms", "repression", "human_security",
        "gender", "lgbt", "religion_ethnicity", "inequality", "diplomatic",
        "territory", "peacekeeping", "health", "asylum", "migration",
        "disasters", "natural_resource", "environment", "technology", "terrorism",
        "cbrn", "cyber", "misinformation", "crime", "corruption",
        "illegal_drugs", "trafficking",
    ]

    /// The manual's four "auxiliary modes" (section "Auxiliary modes"). They are not in the
    /// general contexts table; the manual says the coder puts them "in the `context`".
    public static let auxiliaryModes: [String] = ["historical", "future", "hypothetical", "negation"]

    /// Field names of a PLOVER record, required ones first (the manual's "PLOVER JSON" table,
    /// rows marked "Required? Y"), in table order.
    public static let requiredFields: [String] = [
        "id",  // unique identifier (unique within the data set)
        "date",  // date in YYYY-MM-DD format
        "actor",  // list of entity objects (who initiated the event; formerly "source")
        "event",  // list of event categories
    ]

    /// The "PLOVER JSON" rows marked "Required? N", in table order. The event-specific
    /// supplementary fields `dead`, `injured` and `size` (ASSAULT) are described in the event
    /// sections, not in this table, so they are left out here.
    public static let optionalFields: [String] = [
        "has_event",  // event has been coded (True/False); typically False in a pre-processing pipeline
        "time",  // ISO 8601-formatted time
        "enddate",  // date in YYYY-MM-DD format
        "endtime",  // ISO 8601-formatted time
        "recipient",  // list of entity objects (to whom the event is directed; formerly "target")
        "event_loc",  // location object for event
        "event_text",  // list of texts of event
        "quad_code",  // 1, 2, 3 or 4
        "event_scale",  // floating point scale value
        "mode",  // list of modes
        "context",  // list of contexts
        "link",  // link identifier (common reference across related events)
        "text",  // text from which the record was coded (only with IP rights to the text)
        "text_info",  // textInfo object for text
        "cite_info",  // citeInfo object for text
        "coder",  // coder identification
        "coded_date",  // date of coding
        "coded_time",  // time of coding in ISO 8601-formatted time
        "comment",  // any text
    ]

    /// Every mode of any event type, sorted.
    public static let allModes: [String] = Array(Set(modes.values.joined())).sorted()

    /// Why `mode` cannot be coded on an event of `type` (a PLOVER type name, or nil when the type is not coded
    /// yet), or nil when it can.
    public static func problem(mode: String, type: String?) -> String? {
        guard let type else {
            return allModes.contains(mode)
                ? nil : "\"\(mode)\" is not a PLOVER mode; modes are " + allModes.joined(separator: ", ")
        }
        let valid = modes[type] ?? []
        if valid.contains(mode) { return nil }
        if valid.isEmpty { return "PLOVER gives \(type) no modes; code the mode only for types that have them" }
        return "\"\(mode)\" is not a mode of \(type); PLOVER's modes of \(type) are " + valid.joined(separator: ", ")
    }
}
