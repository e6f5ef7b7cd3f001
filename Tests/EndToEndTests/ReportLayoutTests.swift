import ConcordTestSupport
import Foundation
import Testing

/// The demo's HTML report in a real headless Chromium (issue 14): readable at 800 and 1280 px, which means no
/// sideways scrolling of the page and no id broken across lines. Chromium comes from Debian's packages (`.ci/run`
/// installs it); without it this test fails, saying so.
@Suite("HTML report layout", .serialized)
struct ReportLayoutTests {
    static let widths = [800, 1280]

    static func chromium() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    /// Measures the page once it has loaded: the document's scroll width, the window's inner width, and the `code`
    /// elements (ids) laid out on more than one line.
    static let probe = """
        <script>window.addEventListener("load", () => {
          const wrapped = [...document.querySelectorAll("code")].filter(e => e.getClientRects().length > 1)
            .map(e => e.textContent);
          document.body.setAttribute("data-probe", JSON.stringify({
            scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth, wrapped }));
        });</script>
        """

    @Test("the demo's report at 800 and 1280 px: no sideways scrolling, no id wrapped, a screenshot at each width")
    func noSidewaysScrolling() async throws {
        guard let chromium = Self.chromium() else {
            Issue.record(
                """
                headless Chromium is needed for this test and was not found on PATH: `apt-get install -y chromium` \
                (.ci/run installs it)
                """)
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-layout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let demo = try await run(Binaries.client, ["demo", "--keep", dir.appendingPathComponent("demo").path])
        #expect(demo.status == 0, "\(demo.stderr)")
        let report = try String(contentsOf: dir.appendingPathComponent("demo/report.html"), encoding: .utf8)
        #expect(report.contains("Open conflicts") && report.contains("Resolved conflicts"))
        let probed = dir.appendingPathComponent("probed.html")
        try report.replacingOccurrences(of: "</body>", with: Self.probe + "</body>")
            .write(to: probed, atomically: true, encoding: .utf8)

        for width in Self.widths {
            let common = [
                "120", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--user-data-dir=\(dir.appendingPathComponent("profile-\(width)").path)",
                "--window-size=\(width),1000", "--virtual-time-budget=3000",
            ]
            let dom = try await run("/usr/bin/timeout", common + ["--dump-dom", probed.absoluteString])
            #expect(dom.status == 0, "chromium at \(width) px: \(dom.stderr.suffix(1_000))")
            let attribute = try #require(
                dom.stdout.firstRange(of: /data-probe="([^"]*)"/)?.lowerBound, "no probe result at \(width) px")
            let quoted = dom.stdout[attribute...].dropFirst("data-probe=\"".count).prefix { $0 != "\"" }
            let json = quoted.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(
                of: "&amp;", with: "&")
            let measured = try #require(
                try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "probe: \(json)")
            let scrollWidth = try #require(measured["scrollWidth"] as? Int)
            let inner = try #require(measured["width"] as? Int)
            #expect(inner == width)
            #expect(scrollWidth <= inner, "at \(width) px the page is \(scrollWidth) px wide: it scrolls sideways")
            #expect(
                (measured["wrapped"] as? [String]) == [], "ids wrapped at \(width) px: \(measured["wrapped"] ?? "")")

            let shot = dir.appendingPathComponent("report-\(width).png")
            let screenshot = try await run(
                "/usr/bin/timeout", common + ["--screenshot=\(shot.path)", probed.absoluteString])
            #expect(screenshot.status == 0, "\(screenshot.stderr.suffix(1_000))")
            let png = try Data(contentsOf: shot)
            #expect(
                png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "a real screenshot at \(width) px")
        }
    }
}
