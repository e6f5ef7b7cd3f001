import ArgumentParser
import ConcordClient
import ConcordCore
import Foundation

/// The `pull` scenario's client, in its own process so its peak RSS is measured alone: creates a fresh store, runs
/// one full sync, prints a ``Report`` as JSON.
struct PullChild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull-child", abstract: "Internal: one initial sync, measured.", shouldDisplay: false)

    @Option var server: String
    @Option var token: String
    @Option var store: String
    @Option var analyst: String = "reader"

    struct Report: Codable {
        var pulled: Int
        var seconds: Double
        var peakRSSMegabytes: Double
    }

    func run() async throws {
        let local = try LocalStore.create(at: store, analyst: try AnalystName(analyst), server: server, token: token)
        let engine = SyncEngine(store: local, transport: HTTPTransport(server: server, token: token))
        let start = ContinuousClock.now
        let summary = try await engine.run()
        let seconds = elapsed(start)
        let report = Report(
            pulled: summary.pulled, seconds: seconds, peakRSSMegabytes: ProcessStats.peakRSSMegabytes())
        print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
    }
}
