import Foundation

/// One scenario's figures, as printed in the table and in `--json`.
struct Measurement: Codable {
    var name: String
    var changes: Int
    var seconds: Double
    var changes_per_s: Double
    var baseline_rows_per_s: Double
    var ratio: Double
    var peak_rss_mb: Double
    /// Scenario-specific figures (latencies, sizes, error counts).
    var extra: [String: Double] = [:]

    init(name: String, changes: Int, seconds: Double, baseline: Double, extra: [String: Double] = [:]) {
        self.name = name
        self.changes = changes
        self.seconds = seconds
        changes_per_s = seconds > 0 ? Double(changes) / seconds : 0
        baseline_rows_per_s = baseline
        ratio = baseline > 0 ? changes_per_s / baseline : 0
        peak_rss_mb = ProcessStats.peakRSSMegabytes()
        self.extra = extra
    }
}

enum ProcessStats {
    /// Peak resident set size (VmHWM) of this process, or of a running child `pid`, in MiB.
    static func peakRSSMegabytes(pid: Int32? = nil) -> Double {
        let file = "/proc/\(pid.map(String.init) ?? "self")/status"
        guard let status = try? String(contentsOfFile: file, encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }

    /// The resident set size (VmRSS) of process `pid` now, in MiB.
    static func currentRSSMegabytes(pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
        }
        return 0
    }

    /// User + system CPU seconds process `pid` has used, from /proc/PID/stat.
    static func cpuSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.range(of: ")")
        else { return 0 }
        let fields = stat[end.upperBound...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU time consumed by the calling thread so far, in seconds.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Resets the peak RSS counter so each scenario reports its own peak (Linux ≥ 4.0).
    static func resetPeakRSS() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }
}

func elapsed(_ start: ContinuousClock.Instant) -> Double { seconds(ContinuousClock.now - start) }

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

extension Measurement {
    static let header =
        "scenario     changes    seconds   changes/s  baseline/s  ratio  peak MB  extra\n"
        + String(repeating: "-", count: 100)

    /// One line of the table.
    var row: String {
        func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + padding : padding + text
        }
        let extras = extra.keys.sorted().map { key in
            let value = extra[key]!
            return
                "\(key)=\(value.rounded() == value && abs(value) < 1e12 ? String(Int(value)) : String(format: "%.3f", value))"
        }
        return pad(name, 10, left: true) + pad(String(changes), 10) + pad(String(format: "%.2f", seconds), 11)
            + pad(String(format: "%.0f", changes_per_s), 12) + pad(String(format: "%.0f", baseline_rows_per_s), 12)
            + pad(String(format: "%.2f", ratio), 7) + pad(String(format: "%.0f", peak_rss_mb), 9) + "  "
            + extras.joined(separator: " ")
    }
}
