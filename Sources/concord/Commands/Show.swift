import ArgumentParser
import ConcordStore
import ConcordCore
import Foundation

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one event, its conflicts, or its history.")

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: JSONOption
    @Argument(help: "The event (full id or unique prefix).") var event: String
    @Flag(help: "List every change to the event.") var history = false

    func run() throws {
        let store = try options.open()
        let snapshot = try store.event(event)
        if history {
            let entries = try store.history(of: snapshot.id)
            if output.json { return try Terminal.json(entries.map(\.change)) }
            Terminal.table(
                ["TIME", "AUTHOR", "FIELD", "OP", "VALUE", "SUPERSEDES", "CHANGE", "STATE", "REASON"],
                entries.map { entry in
                    let c = entry.change
                    return [
                        c.hlc.readable, c.author.rawValue, c.field, c.op.rawValue, c.value.description,
                        c.supersedes.isEmpty ? "-" : c.supersedes.map(\.rawValue).joined(separator: ","),
                        c.id.rawValue, entry.state.rawValue, c.reason ?? (entry.undo ? "(concord undo)" : ""),
                    ]
                })
            return
        }
        if output.json {
            print(String(decoding: JSONShapes.show(snapshot), as: UTF8.self))
            return
        }
        let authorship = try store.authorship(of: snapshot.id)
        var lines: [String] = [
            snapshot.id.rawValue + (authorship.creator.map { "  created by \($0)" } ?? "")
                + (snapshot.deleted ? "  [deleted]" : "")
        ]
        let order = Schema.eventFields.map(\.name).filter { snapshot.fields[$0] != nil }
        for name in order {
            let register = snapshot.fields[name]!
            let label = name.padding(toLength: 11, withPad: " ", startingAt: 0)
            if register.conflict {
                lines.append("  \(label) \(register.value)   CONFLICT, \(register.candidates.count) candidates:")
                for c in register.candidates {
                    lines.append("      \(c.value)  by \(c.author) at \(c.hlc.readable)  (\(c.change))")
                }
            } else {
                let authors = register.candidates.map(\.author.rawValue)
                let by =
                    register.agreement
                    ? "   (\(authors.joined(separator: ", ")) agree)" : "   by \(authors.joined(separator: ", "))"
                lines.append("  \(label) " + Self.continued("\(register.value)", indent: 14) + by)
            }
        }
        for field in Schema.eventFields where field.kind == .set {
            guard let elements = snapshot.sets[field.name], !elements.isEmpty else { continue }
            let authors = authorship.setAuthors[field.name] ?? [:]
            // On a coded set, an element not in every voting analyst's set is disputed (protocol.md §11).
            let voters = Set(authors.values.flatMap { $0 })
            let shown = elements.map { element -> String in
                let by = authors[element] ?? []
                let disputed = field.coded && voters.count > 1 && Set(by) != voters
                return element + " (" + by.joined(separator: ", ") + (disputed ? "; disputed" : "") + ")"
            }
            lines.append(
                "  \(field.name.padding(toLength: 11, withPad: " ", startingAt: 0)) " + shown.joined(separator: "; "))
        }
        if !snapshot.notes.isEmpty {
            lines.append("  notes")
            for note in snapshot.notes {
                lines.append(
                    "    \(note.author) at \(note.hlc.readable): " + Self.continued("\(note.value)", indent: 6))
            }
        }
        if !snapshot.deleteEditConflict.isEmpty {
            lines.append(
                "  DELETE/EDIT CONFLICT: \(snapshot.deleteEditConflict.count) edit(s) made concurrently with the "
                    + "delete; restore it or delete it again")
        }
        Terminal.out(lines.joined(separator: "\n"))
    }

    /// A multi-line value (a summary, evidence, a note) with every line after the first indented by `indent` and
    /// marked `│`, so no line of it can pass for a line of its own in the output (a forged field, a forged note).
    static func continued(_ text: String, indent: Int) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 1 else { return text }
        let margin = "\n" + String(repeating: " ", count: indent) + "│ "
        return lines.map(String.init).joined(separator: margin)
    }
}
