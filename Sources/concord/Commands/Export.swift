import ArgumentParser
import ConcordStore

extension ExportFormat: ExpressibleByArgument {}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export events as CSV, JSON Lines or PLOVER records.")

    @OptionGroup var options: StoreOptions
    @Option(help: "csv, jsonl or plover.") var format: ExportFormat

    func run() throws {
        // On a terminal, control characters in a value are escaped (``Swift/String/printable``); piped, the export
        // is written exactly (a file for a spreadsheet or a PLOVER consumer).
        let tty = Terminal.stdoutIsTTY
        try options.open().export(format) { print(tty ? $0.printable : $0) }
    }
}
