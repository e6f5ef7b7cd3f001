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
}
