import ArgumentParser
import ConcordStore

struct Docs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs", abstract: "List imported documents.")

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let store = try options.open()
        let documents = try store.documentStandings()
        if output.json { return try Terminal.json(documents.map(\.summary)) }
        // On a terminal, the shortest unique prefix of each id, which every `--doc` accepts.
        let short = Terminal.stdoutIsTTY ? try store.shortIDs(of: .document) : [:]
        Terminal.table(
            ["ID", "TITLE", "OUTLET", "BYLINE", "PUBLISHED", "FILE", "CODING"],
            documents.map {
                [
                    short[$0.summary.id] ?? $0.summary.id.rawValue, $0.summary.title ?? "", $0.summary.source ?? "",
                    $0.summary.byline ?? "", $0.summary.published ?? "", $0.summary.file ?? "", Self.describe($0),
                ]
            })
    }

    /// The document's coding state for this analyst (protocol.md §15), in words.
    static func describe(_ document: DocumentStanding) -> String {
        let pending = document.coding?.pending.map(\.rawValue).joined(separator: ", ") ?? ""
        switch document.standing {
        case .open: return "open"
        case .assigned: return "assigned to you (blind)"
        case .submitted: return "submitted; waiting for \(pending)"
        case .blind: return "blind until \(pending) submit"
        case .coding: return "coding: waiting for \(pending)"
        case .released: return "released"
        }
    }
}
