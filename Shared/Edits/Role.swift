/// What an analyst may do (protocol.md §5).
public enum Role: String, Hashable, Sendable, Codable, CaseIterable {
    /// Edits events; in a conflict may only replace their own candidate.
    case analyst
    /// May also resolve conflicts and set `status` to `reviewed` or `rejected`.
    case adjudicator
}
