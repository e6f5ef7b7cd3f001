import ConcordCore
import Foundation

extension LocalStore {
    /// `concord event import FILE`: adds one event per row, all or nothing. Errors name the line and the field.
    ///
    /// - Returns: the new events' ids, in file order.
    public func importEvents(from path: String) throws -> [EntityID] {
        let data = try Self.readInputFile(path, limit: EventFileParser.maximumBytes, what: "event imports")
        let rows = try EventFileParser.parse(data, path: path)
        return try edit { writer in
            var documents = DocumentCache()
            var ids: [EntityID] = []
            ids.reserveCapacity(rows.count)
            for row in rows {
                do {
                    ids.append(try Self.add(row.draft, &writer, &documents))
                } catch let problem as FieldProblem {
                    throw StoreError.badLine(path: path, line: row.line, field: problem.field, problem: problem.message)
                }
            }
            return ids
        }
    }
}
