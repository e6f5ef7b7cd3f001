import ConcordSQLite

extension LiveRows {
    /// The client's merged view: the `version` view, `version_row` joined with the change each row points at
    /// (see ``StoreSchema``).
    static let version = LiveRows(table: "version")
}
