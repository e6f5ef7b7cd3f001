import ArgumentParser
import ConcordStore

struct Docs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs", abstract: "List imported documents.")

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let store = try options.open()
        let documents = try store.documents()
        if output.json { return try Terminal.json(documents) }
        // On a terminal, the shortest unique prefix of each id, which every `--doc` accepts.
        let short = Terminal.stdoutIsTTY ? try store.shortIDs(of: .document) : [:]
        Terminal.table(
            ["ID", "TITLE", "SOURCE", "PUBLISHED"],
            documents.map { [short[$0.id] ?? $0.id.rawValue, $0.title ?? "", $0.source ?? "", $0.published ?? ""] })
    }
}
