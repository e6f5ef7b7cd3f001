import ArgumentParser
import ConcordClient

struct Docs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs", abstract: "List imported documents.")

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let documents = try options.open().documents()
        if output.json { return try Terminal.json(documents) }
        Terminal.table(
            ["ID", "TITLE", "SOURCE", "PUBLISHED"],
            documents.map { [$0.id.rawValue, $0.title ?? "", $0.source ?? "", $0.published ?? ""] })
    }
}
