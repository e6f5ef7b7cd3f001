import ArgumentParser
import ConcordStore
import ConcordSync
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
    /// Install the server's snapshot first, as `concord sync` does on a first sync (the `bootstrap` scenario).
    @Flag var bootstrap = false
    /// With `--bootstrap`: a snapshot the server does not offer this analyst (blind coding) is not an error.
    @Flag var mayPull = false

    struct Report: Codable {
        var pulled: Int
        var seconds: Double
        var peakRSSMegabytes: Double
        /// With `--bootstrap`: the changes the installed snapshot held, and the seconds the bootstrap took.
        var installed: Int64 = 0
        var bootstrapSeconds: Double = 0
        /// Changes in the store at the end.
        var stored: Int = 0
        /// CPU seconds in user space and in the kernel (getrusage).
        var userSeconds: Double = 0
        var systemSeconds: Double = 0
    }

    func run() async throws {
        var local = try LocalStore.create(at: store, analyst: try AnalystName(analyst), server: server, token: token)
        let transport = HTTPTransport(server: server, token: token)
        let start = ContinuousClock.now
        var installed: Int64 = 0
        var bootstrapSeconds = 0.0
        let session = SyncSession(transport: transport, bootstrap: bootstrap)
        if bootstrap {
            let outcome = try await session.bootstrapIfFirst(&local)
            if case .installed(let manifest, _) = outcome {
                installed = manifest.changes
            } else if !mayPull {
                throw BenchError("the bootstrap did not install the snapshot: \(String(describing: outcome))")
            }
            bootstrapSeconds = elapsed(start)
        }
        let summary = try await session.engine(for: local).run()
        let seconds = elapsed(start)
        var report = Report(
            pulled: summary.pulled, seconds: seconds, peakRSSMegabytes: ProcessStats.peakRSSMegabytes(),
            installed: installed, bootstrapSeconds: bootstrapSeconds, stored: try local.metadata().changeCount)
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        report.userSeconds = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        report.systemSeconds = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
    }
}

/// Builds a store from a snapshot pack, alone (profiling the bootstrap's unpack): prints seconds and peak RSS.
struct UnpackChild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpack-child", abstract: "Internal: one snapshot unpack, measured.", shouldDisplay: false)

    @Option var pack: String
    @Option var store: String

    func run() throws {
        let start = ContinuousClock.now
        try LocalStore.unpackSnapshot(pack, to: store)
        print("unpack \(elapsed(start)) s, peak \(ProcessStats.peakRSSMegabytes()) MB")
    }
}
