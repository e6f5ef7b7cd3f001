import ArgumentParser
import ConcordClient
import ConcordCore
import Foundation

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The conflict-resolution report: open and resolved conflicts, agreement rates, activity.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case md, json, html
    }

    @OptionGroup var options: StoreOptions

    @Option(help: "md (terminals, tickets), json (tools) or html (one self-contained page).")
    var format: Format = .md

    @Option(help: "Write to this file instead of stdout.")
    var out: String?

    func run() throws {
        let report = try options.open().report(generatedAt: Date())
        let data: Data
        switch format {
        case .md: data = Data(report.markdown().utf8)
        case .json: data = report.json()
        case .html: data = Data(report.html().utf8)
        }
        if let out {
            do { try data.write(to: URL(fileURLWithPath: out)) } catch {
                throw ValidationError("cannot write \(out): \(error.localizedDescription)")
            }
            Terminal.message("wrote the \(format.rawValue) report to \(out)")
        } else {
            FileHandle.standardOutput.write(data)
            if format != .json, data.last != UInt8(ascii: "\n") { print() }
        }
    }
}
