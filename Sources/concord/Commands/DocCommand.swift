import ArgumentParser
import ConcordStore

struct DocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doc", abstract: "Read one document.", subcommands: [DocShow.self])
}

struct DocShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print an article with every event's evidence highlighted, then its events by analyst.",
        discussion: """
            On a terminal each quote is in reverse video, followed by its events' numbers; piped, it is written \
            [[like this]][1]. The numbers are those of the event list below the text. Deleted events are left out.
            """)

    @OptionGroup var options: StoreOptions
    @Argument(help: "The document (id, unique prefix, or a short id from `concord docs`).") var doc: String

    func run() throws {
        let store = try options.open()
        let reading = try store.reading(doc)
        let short = Terminal.stdoutIsTTY ? try store.shortIDs(of: .event) : [:]
        let document = reading.document
        var lines: [String] = [(document.title ?? document.id.rawValue).printable]
        let about = [document.source, document.published, document.id.rawValue].compactMap { $0 }
        lines.append(about.joined(separator: " · ").printable)
        lines.append("")
        lines.append(reading.markedText(Terminal.stdoutIsTTY ? .ansi : .brackets))
        lines.append("")
        let notFound = Set(reading.quotesNotFound)
        if reading.events.isEmpty {
            lines.append("No events yet: `concord event add --doc \(document.id) --title T ...` codes one.")
        } else {
            lines.append("EVENTS BY ANALYST")
            var lastCreator: String?? = .none
            for (index, event) in reading.events.enumerated() {
                let summary = event.summary
                if lastCreator != .some(summary.creator) {
                    lines.append((summary.creator ?? "(unknown analyst)").printable)
                    lastCreator = .some(summary.creator)
                }
                let cells = [
                    "[\(index + 1)]", short[summary.id] ?? summary.id.rawValue, summary.type ?? "-",
                    summary.date ?? "-", summary.title ?? "",
                ]
                var line = "  " + cells.joined(separator: "  ").printable
                if summary.conflicts > 0 {
                    line += "  (\(summary.conflicts) conflict\(summary.conflicts == 1 ? "" : "s"))"
                }
                if event.evidence.isEmpty { line += "  (no evidence quote)" }
                if notFound.contains(index + 1) { line += "  (quote not found in this text)" }
                lines.append(line)
            }
        }
        print(lines.joined(separator: "\n"))
    }
}
