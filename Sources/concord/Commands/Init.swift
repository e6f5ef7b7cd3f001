import ArgumentParser
import ConcordClient
import ConcordCore
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the local store, or point an existing one at a (new) server.",
        discussion: """
            Run again on an existing store of the same analyst to set or change --server and --token, \
            like `git init` on an existing repository; the change log is never touched.
            """)

    @OptionGroup var options: StoreOptions
    @Option(help: "Your analyst name (a-z, 0-9, '.', '_', '-').") var analyst: String
    @Option(help: "The sync server URL, e.g. http://127.0.0.1:8080.") var server: String?
    @Option(help: "Your token, from `concord-server analyst add`.") var token: String?

    func validate() throws {
        if let server, URL(string: server)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ValidationError("--server must be an http:// or https:// URL, e.g. http://127.0.0.1:8080")
        }
    }

    func run() throws {
        let name: AnalystName
        do { name = try AnalystName(analyst) } catch { throw StoreError.invalid(error.description) }
        if FileManager.default.fileExists(atPath: options.path) {
            let store = try LocalStore.open(at: options.path)
            let meta = try store.metadata()
            guard meta.analyst == name else {
                throw StoreError.invalid(
                    "\(options.path) is \(meta.analyst)'s store, not \(name)'s; use --store for a new one")
            }
            guard server != nil || token != nil else {
                throw StoreError.alreadyExists(path: options.path)
            }
            try store.setServer(url: server ?? meta.server, token: token ?? meta.token)
            Terminal.message("updated \(store.path): server \(server ?? meta.server ?? "none")")
            return
        }
        let store = try LocalStore.create(at: options.path, analyst: name, server: server, token: token)
        let meta = try store.metadata()
        Terminal.message("created \(store.path) for \(name) (replica \(meta.replica))")
    }
}
