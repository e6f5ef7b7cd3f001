import ArgumentParser
import ConcordStore

struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Drop the merged view and rebuild it from the change log.")

    @OptionGroup var options: StoreOptions

    func run() throws {
        let store = try options.open()
        try store.rebuild()
        let meta = try store.metadata()
        Terminal.message(
            "rebuilt the view from \(meta.changeCount) changes: \(meta.eventCount) events, \(meta.documentCount) documents"
        )
    }
}
