import ConcordCore

extension LocalStore {
    /// Open conflicts in the `concord conflicts --json` shape, with each event's title, document and evidence:
    /// the same ``ConflictView``s the server's `GET /v1/conflicts` lists.
    public func conflictViews() throws -> [ConflictView] {
        let titles = Dictionary(try documents().map { ($0.id, $0.title) }, uniquingKeysWith: { a, _ in a })
        var views: [ConflictView] = []
        for entity in Set(try openConflicts().map(\.entity)).sorted() {
            guard let snapshot = try snapshot(of: entity) else { continue }
            views += ConflictView.list(snapshot) { titles[$0] ?? nil }
        }
        return views
    }
}
