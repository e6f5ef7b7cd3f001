/// The reason a resolution must give (protocol.md §11).
public enum Reason {
    /// Whether `text` says something: at least one letter, digit, punctuation mark or symbol. Spaces alone, and
    /// invisible characters (a zero-width space, a direction mark, other format and control characters), are no
    /// reason.
    public static func isGiven(_ text: String?) -> Bool {
        guard let text else { return false }
        return text.unicodeScalars.contains { scalar in
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                .decimalNumber, .letterNumber, .otherNumber,
                .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                .initialPunctuation, .finalPunctuation, .otherPunctuation,
                .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
                true
            default:
                false
            }
        }
    }

    /// `text` without its surrounding whitespace when it ``isGiven(_:)``, else nil: the reason a command records.
    public static func given(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), isGiven(trimmed) else { return nil }
        return trimmed
    }
}
