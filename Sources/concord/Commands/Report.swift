import ArgumentParser
import ConcordStore
import ConcordCore
import Foundation

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The conflict-resolution report: open and resolved conflicts, agreement rates, activity.")

    @OptionGroup var options: StoreOptions

    @Option(help: "md (terminals, tickets), json (tools) or html (one self-contained page).")
    var format: ReportFormat = .md

    @Option(help: "Write to this file instead of stdout.")
    var out: String?

    func run() throws {
        let report = try options.open().report(generatedAt: Date())
        let data = format.render(report)
        if let out {
            do { try data.write(to: URL(fileURLWithPath: out)) } catch {
                throw ValidationError("cannot write \(out): \(error.localizedDescription)")
            }
            Terminal.message("wrote the \(format.rawValue) report to \(out)")
        } else {
            // Markdown is for people, and a terminal shows any format printed to it: control characters and
            // bidirectional controls a hostile server or analyst put in a value are escaped there
            // (``Swift/String/printable``). Piped JSON and HTML are written as built.
            if format == .md || Terminal.stdoutIsTTY {
                FileHandle.standardOutput.write(Data(String(decoding: data, as: UTF8.self).printable.utf8))
            } else {
                FileHandle.standardOutput.write(data)
            }
            if format != .json, data.last != UInt8(ascii: "\n") { print() }
        }
    }
}

extension ReportFormat: ExpressibleByArgument {}
