import ArgumentParser
import ConcordClient

struct Conflicts: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List open conflicts and their candidates.")

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let conflicts = try options.open().openConflicts()
        if output.json { return try Terminal.json(conflicts.map(JSONShapes.Conflict.init)) }
        var rows: [[String]] = []
        for conflict in conflicts {
            for c in conflict.candidates {
                rows.append([
                    conflict.entity.rawValue, conflict.field, c.value.description, c.author.rawValue, c.hlc.description,
                    c.change.rawValue,
                ])
            }
        }
        if conflicts.isEmpty { return Terminal.message("no open conflicts") }
        Terminal.table(["ENTITY", "FIELD", "VALUE", "AUTHOR", "HLC", "CHANGE"], rows)
    }
}
