import ArgumentParser
import ConcordStore

extension ExportFormat: ExpressibleByArgument {}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export events as CSV, JSON Lines or PLOVER records.")

    @OptionGroup var options: StoreOptions
    @Option(help: "csv, jsonl or plover.") var format: ExportFormat

    func run() throws {
        try options.open().export(format) { print($0) }
    }
}
