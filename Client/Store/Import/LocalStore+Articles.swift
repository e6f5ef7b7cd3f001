import ConcordCore
import ConcordSQLite
import Foundation

/// One article imported by ``LocalStore/importArticles(_:)``.
public struct ImportedDocument: Hashable, Sendable {
    public var id: EntityID
    public var title: String
    public var file: String
    /// False when the store already had this document (re-import writes nothing).
    public var isNew: Bool
    /// What the header said (``ArticleHeader``).
    public var outlet: String? = nil
    public var byline: String? = nil
    public var published: String? = nil
}

extension LocalStore {
    /// Imports article files as documents, all or nothing: every file is read and parsed before anything is written.
    public func importArticles(_ paths: [String], url: String? = nil) throws -> [ImportedDocument] {
        if let url {
            do throws(ValidationError) { try Schema.validate(value: .string(url), field: "url", of: .document) } catch {
                throw StoreError.invalid("--url \(url): \(error.description)")
            }
        }
        var articles: [(String, Article)] = []
        for path in paths {
            let data = try Self.readInputFile(path, limit: Article.maximumBytes, what: "articles")
            do {
                articles.append((path, try Article.parse(data, name: path, url: url)))
            } catch {
                throw StoreError.badFile(path: path, problem: error.problem)
            }
        }
        return try edit { writer in
            var out: [ImportedDocument] = []
            for (path, article) in articles {
                let stored = try LiveRows.version.load(article.id, writer.db)
                var wrote = false
                let fields: [(String, String?)] = [
                    ("title", article.title), ("source", article.source), ("published", article.published),
                    ("text", article.text), ("byline", article.byline), ("url", url),
                    // The file it came from, by name (a path is this machine's business).
                    ("file", URL(fileURLWithPath: path).lastPathComponent),
                ]
                for (name, text) in fields {
                    // A field newer than this store understands (an older build's) is not written (protocol.md §12).
                    guard let text, Schema.minimumVersion(of: name, for: .document) <= understoodSchema else {
                        continue
                    }
                    let live = stored.registers[name] ?? []
                    if let resolved = ResolvedRegister(live: live), !resolved.conflict, resolved.value == .string(text)
                    {
                        continue
                    }
                    do { try Schema.validate(value: .string(text), field: name, of: .document) } catch {
                        throw StoreError.badFile(path: path, problem: "\(error)")
                    }
                    writer.write(
                        article.id, name, .set, .string(text),
                        supersedes: EditPlanner.supersedesForSet(live: live, author: writer.analyst))
                    wrote = true
                }
                out.append(
                    ImportedDocument(
                        id: article.id, title: article.title, file: path, isNew: wrote, outlet: article.source,
                        byline: article.byline, published: article.published))
            }
            return out
        }
    }

    /// Reads a whole input file, refusing directories, unreadable and oversized files with a message naming it.
    static func readInputFile(_ path: String, limit: Int, what: String) throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StoreError.badFile(path: path, problem: "no such file")
        }
        if isDirectory.boolValue { throw StoreError.badFile(path: path, problem: "is a directory, not a file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.badFile(path: path, problem: "cannot read the file (permission denied?)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            // Read one byte past the limit to detect oversized files without reading them whole.
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw StoreError.badFile(path: path, problem: "cannot read the file: \(error.localizedDescription)")
        }
        if data.count > limit {
            throw StoreError.badFile(
                path: path, problem: "the file is larger than \(limit / 1024 / 1024) MiB, the limit for \(what)")
        }
        return data
    }
}
