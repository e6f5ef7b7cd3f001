import ArgumentParser
import ConcordStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import article text files as documents (all or nothing).")

    @OptionGroup var options: StoreOptions
    @Argument(help: "Article files (plain text).") var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one article file") }
    }

    func run() throws {
        let store = try options.open()
        let imported = try store.importArticles(files)
        Terminal.table(["ID", "TITLE"], imported.map { [$0.id.rawValue, $0.title] })
        let new = imported.filter(\.isNew).count
        Terminal.message(
            "imported \(new) document\(new == 1 ? "" : "s")"
                + (imported.count > new ? " (\(imported.count - new) already in the store)" : ""))
    }
}
