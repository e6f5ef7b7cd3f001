import ArgumentParser
import ConcordStore
import Foundation

/// `--store PATH` and `--json`, shared by the commands that use a store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store file (default: $CONCORD_STORE, else ~/.concord/store.sqlite).")
    var store: String?

    /// The store path the options designate.
    var path: String {
        let chosen = store ?? ProcessInfo.processInfo.environment["CONCORD_STORE"].flatMap { $0.isEmpty ? nil : $0 }
        guard let chosen else { return LocalStore.defaultPath }
        return (chosen as NSString).expandingTildeInPath
    }

    func open() throws -> LocalStore {
        let store = try LocalStore.open(at: path) {
            Terminal.message("upgrading the store \(path) to this concord's format (once; a large store takes a while)")
        }
        if let warning = try store.tokenWarning() { Terminal.message(warning) }
        return store
    }
}

struct JSONOption: ParsableArguments {
    @Flag(name: .long, help: "Print JSON for scripts.")
    var json = false
}
