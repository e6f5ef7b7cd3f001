import ArgumentParser
import ConcordStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import article text files as documents (all or nothing).")

    @OptionGroup var options: StoreOptions
    @Argument(help: "Article files (plain text).") var files: [String]
    @Option(help: "The article's web address (one file): kept for PLOVER's cite_info; its site names the outlet.")
    var url: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one article file") }
        if url != nil && files.count != 1 { throw ValidationError("--url goes with one file: import the others apart") }
    }

    func run() throws {
        let store = try options.open()
        let imported = try store.importArticles(files, url: url)
        Terminal.table(
            ["ID", "TITLE", "OUTLET", "BYLINE", "PUBLISHED"],
            imported.map { [$0.id.rawValue, $0.title, $0.outlet ?? "", $0.byline ?? "", $0.published ?? ""] })
        let new = imported.filter(\.isNew).count
        Terminal.message(
            "imported \(new) document\(new == 1 ? "" : "s")"
                + (imported.count > new ? " (\(imported.count - new) already in the store)" : ""))
    }
}
