/// Text normalisation applied to coded labels before they are compared.
public enum CodingText {
    /// A `location` as compared for agreement: trimmed, each run of whitespace collapsed to one space, lowercased.
    ///
    /// `"  Seoul,\n South  KOREA "` becomes `"seoul, south korea"`.
    public static func normalizedLocation(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ").lowercased()
    }
}
