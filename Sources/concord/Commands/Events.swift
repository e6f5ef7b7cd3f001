import ArgumentParser
import ConcordClient

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "List events.")

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: JSONOption
    @Option(help: "Only events of this document (id or unique prefix).") var doc: String?
    @Flag(help: "Only events with open conflicts.") var conflicts = false

    func run() throws {
        let events = try options.open().events(doc: doc, conflictsOnly: conflicts)
        if output.json { return try Terminal.json(events) }
        Terminal.table(
            ["ID", "AUTHOR", "TYPE", "DATE", "CONFLICTS", "TITLE"],
            events.map {
                [
                    $0.id.rawValue, $0.creator ?? "", $0.type ?? "", $0.date ?? "", String($0.conflicts),
                    ($0.deleted ? "[deleted] " : "") + ($0.title ?? ""),
                ]
            })
    }
}
