import ConcordCore
import GRDB

extension LocalStore {
    /// The text of document `id`, only if it hashes to the id (``Article/documentID(forText:)``): a text pushed under
    /// another document's id, by a server that did not check, is never used to check or show evidence.
    static func documentText(_ id: String, _ db: Database) throws -> String? {
        let texts = try String.fetchAll(
            db, sql: "SELECT value FROM version WHERE entity = ? AND field = 'text'", arguments: [id])
        return texts.first { Article.documentID(forText: $0).rawValue == id }
    }
}
