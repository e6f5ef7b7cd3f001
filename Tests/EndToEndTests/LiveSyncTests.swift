import ConcordStore
import ConcordSync
import ConcordCore
import ConcordTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `concord sync --watch` and the long poll under it (protocol.md §14), with the real binaries.
@Suite("Live sync", .serialized)
struct LiveSyncTests {
    @Test(
        "sync --watch: pushed changes arrive in moments, local edits go out, a server restart is survived, idle costs no CPU"
    )
    func watch() async throws {
        let rig = try CrashTests.Rig()
        let ana = try rig.analyst("ana")
        let ben = try rig.analyst("ben")
        try await rig.server.start()
        defer { rig.server.stopBlocking(signal: SIGTERM) }
        let document = try ana.importArticles(Array(Cluster.seeds.prefix(1)))[0].id.rawValue
        _ = try await rig.engine("ana").run()

        let log = rig.path("watch.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let watcher = try CrashTests.launchWatch(store: rig.path("ben.sqlite"), log: log)
        defer { if watcher.isRunning { kill(watcher.processIdentifier, SIGKILL) } }
        func watchLog() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

        // Ben's first round pulls the document Ana pushed.
        try await until("ben's first sync pulled the document", seconds: 30) { try ben.pullCursor() > 0 }

        // Ana's changes reach Ben's store without Ben doing anything.
        var latencies: [Duration] = []
        for serial in 0..<5 {
            let event = try ana.addEvent(EventDraft(values: ["doc": document, "title": "live \(serial)"]))
            let pushed = ContinuousClock.now
            _ = try await rig.engine("ana").run()
            try await until("ben has live \(serial)", seconds: 30) { try ben.snapshot(of: event) != nil }
            latencies.append(ContinuousClock.now - pushed)
        }
        let median = latencies.sorted()[2]
        print("live sync: push to watching store \(latencies.map { "\($0)" }.joined(separator: ", "))")
        #expect(median < .seconds(3), "a pushed change is in the watching store in moments: \(latencies)")

        // Idle: the watcher holds a long poll and sleeps; it does not spin.
        let before = try cpuSeconds(of: watcher.processIdentifier)
        try await Task.sleep(for: .seconds(3))
        let idle = try cpuSeconds(of: watcher.processIdentifier) - before
        #expect(idle < 0.3, "an idle watcher used \(idle) s of CPU in 3 s")

        // Ben's own edit, made by another process on his store, is pushed by the watcher.
        let own = try ben.addEvent(EventDraft(values: ["doc": document, "title": "ben's own"]))
        try await until("the watcher pushed ben's edit", seconds: 30) {
            try await rig.serverLog().contains { $0.change.entity == own }
        }

        // The server dies and comes back: the watcher says so, backs off, and goes on.
        await rig.server.stop(signal: SIGKILL)
        try await until("the watcher noticed the server is gone", seconds: 30) { watchLog().contains("retrying in") }
        try await rig.server.start()
        let after = try ana.addEvent(EventDraft(values: ["doc": document, "title": "after the restart"]))
        _ = try await rig.engine("ana").run()
        try await until("ben has the change made after the restart", seconds: 45) { try ben.snapshot(of: after) != nil }

        // Ctrl-C ends the watch.
        kill(watcher.processIdentifier, SIGINT)
        try await until("the watcher exited on SIGINT", seconds: 10) { !watcher.isRunning }
        #expect(watchLog().contains("watching http://127.0.0.1:\(rig.server.port) for ben"))
        try await rig.expectConvergedExactlyOnce()
    }

    @Test("SIGTERM answers a held long poll at once: the server does not wait out the poll to exit")
    func shutdownReleasesPolls() async throws {
        let rig = try CrashTests.Rig()
        try rig.analyst("ana")
        try await rig.server.start()
        let transport = HTTPTransport(server: rig.server.url, token: rig.tokens["ana"]!)
        let poll = Task { try await transport.waitForChanges(after: 0, seconds: 45) }
        try await Task.sleep(for: .milliseconds(500))
        let started = ContinuousClock.now
        let (status, reason) = await rig.server.stop(signal: SIGTERM)
        #expect(reason == .exit && status == 0)
        #expect(ContinuousClock.now - started < .seconds(10), "exited without waiting out the 45 s poll")
        #expect(try await poll.value == false, "the held poll was answered: no change came")
    }

    @Test("serve raises its open-file limit to the hard limit, so a thousand watchers fit under a 512 soft limit")
    func openFileLimit() async throws {
        let rig = try CrashTests.Rig()
        try rig.analyst("ana")
        let server = ServerProcess(dbPath: rig.path("server.sqlite"))
        try await server.start(openFilesSoftLimit: 512)
        defer { server.stopBlocking(signal: SIGTERM) }
        let pid = try #require(server.pid)
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let numbers = line.split(separator: " ").compactMap { Int($0) }
        #expect(numbers.count == 2 && numbers[0] == numbers[1] && numbers[0] > 512, "soft raised to hard: \(line)")
    }

    /// Waits until `condition` holds, checking every 20 ms; fails after `seconds`.
    func until(_ what: String, seconds: Double, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw ProcessFailure(message: "timed out: \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// User + system CPU seconds of process `pid`, from /proc/PID/stat.
    func cpuSeconds(of pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat[stat.range(of: ")")!.upperBound...].split(separator: " ")
        // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
        let ticks = Double(fields[11])! + Double(fields[12])!
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

extension LocalStore {
    fileprivate func pullCursor() throws -> Int64 { try metadata().pullCursor }
}
