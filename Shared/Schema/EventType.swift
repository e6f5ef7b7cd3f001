/// The 16 PLOVER event types (protocol.md §6), so exports line up with public event data.
public enum EventType: String, CaseIterable, Sendable, Codable {
    // verbal cooperation
    case agree = "AGREE", consult = "CONSULT", support = "SUPPORT", concede = "CONCEDE"
    // material cooperation
    case cooperate = "COOPERATE", aid = "AID", retreat = "RETREAT"
    // verbal conflict
    case request = "REQUEST", accuse = "ACCUSE", reject = "REJECT", threaten = "THREATEN"
    // material conflict
    case protest = "PROTEST", sanction = "SANCTION", mobilize = "MOBILIZE", coerce = "COERCE", assault = "ASSAULT"

    /// PLOVER's quad class: verbal/material cooperation/conflict.
    /// PLOVER's `quad_code`: 1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict.
    public var quadCode: Int {
        switch self {
        case .agree, .consult, .support, .concede: return 1
        case .cooperate, .aid, .retreat: return 2
        case .request, .accuse, .reject, .threaten: return 3
        case .protest, .sanction, .mobilize, .coerce, .assault: return 4
        }
    }

    public var quadClass: String {
        switch self {
        case .agree, .consult, .support, .concede: return "verbal cooperation"
        case .cooperate, .aid, .retreat: return "material cooperation"
        case .request, .accuse, .reject, .threaten: return "verbal conflict"
        case .protest, .sanction, .mobilize, .coerce, .assault: return "material conflict"
        }
    }
}
