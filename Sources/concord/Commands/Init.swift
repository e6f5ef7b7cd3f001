import ArgumentParser
import ConcordClient
import ConcordCore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create the local store.")

    @OptionGroup var options: StoreOptions
    @Option(help: "Your analyst name (a-z, 0-9, '.', '_', '-').") var analyst: String
    @Option(help: "The sync server URL, e.g. http://127.0.0.1:8080.") var server: String?
    @Option(help: "Your token, from `concord-server analyst add`.") var token: String?

    func run() throws {
        let name: AnalystName
        do { name = try AnalystName(analyst) } catch { throw StoreError.invalid(error.description) }
        let store = try LocalStore.create(at: options.path, analyst: name, server: server, token: token)
        let meta = try store.metadata()
        Terminal.message("created \(store.path) for \(name) (replica \(meta.replica))")
    }
}
