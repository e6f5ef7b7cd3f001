/// The level of measurement Krippendorff's α uses for a field, which fixes its distance metric (protocol.md §11).
///
/// - `nominal`: 0 for equal values, 1 otherwise (`type`, `country`, `mode`, normalised `location`).
/// - `ordinal`: Krippendorff's rank metric from the marginal frequencies (`confidence`: low < medium < high).
/// - `interval`: the squared difference of numbers; dates count as the day number of their first day (`date`).
/// - `masi`: the MASI distance between sets (`actors`, `recipients`, `context`).
public enum AlphaLevel: String, Sendable, Codable, CaseIterable {
    case nominal, ordinal, interval, masi
}
