import ConcordCore

/// What a push did.
public enum PushResult: Hashable, Sendable {
    /// Every change was new or a duplicate; the new ones are stored.
    case stored(Wire.PushResponse)
    /// Nothing was stored.
    case refused(PushRefusal)
}

/// Why a batch was refused, with one entry per refused change.
public struct PushRefusal: Error, Hashable, Sendable {
    public enum Reason: String, Hashable, Sendable {
        /// The analyst may not write some change (forged author, role): HTTP 403.
        case forbidden
        /// Some change is invalid (schema, clock, id reused): HTTP 422.
        case invalid
    }

    public var reason: Reason
    public var refused: [Wire.RefusedChange]

    public init(reason: Reason, refused: [Wire.RefusedChange]) {
        self.reason = reason
        self.refused = refused
    }

    /// A sentence for the error body.
    public var message: String {
        let count = refused.count == 1 ? "1 change" : "\(refused.count) changes"
        switch reason {
        case .forbidden:
            return "batch refused, nothing was stored: \(count) may not be written by this analyst (see detail)"
        case .invalid:
            return
                "batch refused, nothing was stored: \(count) invalid (see detail); fix or set them aside and push again"
        }
    }
}
