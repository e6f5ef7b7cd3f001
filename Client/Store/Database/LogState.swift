/// Where a change in the local log stands with the server: the `state` column of the `change` table.
public enum LogState: String, Sendable, CaseIterable {
    /// Written here, not yet accepted by the server.
    case pending
    /// Written here and accepted by the server.
    case pushed
    /// Written here and refused by the server: kept in the log and the view, no longer sent, not a vote.
    case rejected
    /// Written elsewhere and pulled from the server.
    case remote

    /// The value as a SQL literal, for a query's text.
    var sql: String { "'\(rawValue)'" }
}
