import ConcordCore
import Hummingbird
import Prometheus

/// What `GET /metrics` shows, in Prometheus' text format (one registry per application, so that tests running several
/// servers in one process do not mix their counts).
///
/// Counters are per server process: with several servers on one PostgreSQL database, Prometheus sums them across
/// instances. No label carries an analyst's name or an entity id, so the numbers say how busy the server is, never
/// what was coded; that is why the route needs no token.
public final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    /// Pushes, by outcome: `stored` (every change new or a duplicate) or `refused` (nothing stored).
    let pushesStored: Counter
    let pushesRefused: Counter
    /// Changes sent in pushes, by outcome: `accepted` (new, stored), `duplicate` (stored before), `refused` (in a
    /// refused push, so not stored).
    let changesAccepted: Counter
    let changesDuplicate: Counter
    let changesRefused: Counter
    /// Pull pages served and the changes in them.
    let pullPages: Counter
    let pullChanges: Counter
    /// Requests that failed because the database did not answer or refused (503, 507, 500 from the store).
    let databaseErrors: Counter

    /// Request latency buckets, from 1 ms to 10 s.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
        .seconds(5), .seconds(10),
    ]

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func counter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Counter {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "concord", metricName: name, unitName: "total", helpText: help),
                labels: labels)
        }
        let pushes = "Pushes answered, by outcome (stored: every change new or a duplicate; refused: nothing stored)."
        pushesStored = counter("pushes", pushes, [("outcome", "stored")])
        pushesRefused = counter("pushes", pushes, [("outcome", "refused")])
        let changes = "Changes received in pushes, by outcome (refused: in a refused push, so not stored)."
        changesAccepted = counter("push_changes", changes, [("outcome", "accepted")])
        changesDuplicate = counter("push_changes", changes, [("outcome", "duplicate")])
        changesRefused = counter("push_changes", changes, [("outcome", "refused")])
        pullPages = counter("pull_pages", "Pages of GET /v1/changes served.")
        pullChanges = counter("pull_changes", "Changes served in pull pages.")
        databaseErrors = counter(
            "database_errors", "Requests that failed because the database could not be reached or refused a write.")
    }

    /// Records one answered request under its route's template (`/v1/events/{id}`), or `other` for a path no route
    /// has, so that probing random paths cannot grow the registry.
    func observe(method: HTTPRequest.Method, path: String, status: HTTPResponse.Status, duration: Duration) {
        let route = APIRoute.all.first { $0.matches(path) }?.path ?? "other"
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "concord", metricName: "http_request_duration", unitName: "seconds",
                helpText: "Time from a request's head to its answer, by route, method and status."),
            labels: [("route", route), ("method", method.rawValue), ("status", String(status.code))],
            buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// The text exposition; `storedChanges` is the store's count of changes at this instant, when it answered, and
    /// `longPolls` the number of pulls held open waiting for a change.
    func exposition(storedChanges: Int64?, longPolls: Int) -> [UInt8] {
        var text = registry.emitToBuffer()
        text += Array(
            """
            # HELP concord_changes_stored Changes in the server's log.
            # TYPE concord_changes_stored gauge
            concord_changes_stored \(storedChanges ?? 0)
            # HELP concord_database_up Whether the database answered this scrape (1) or not (0).
            # TYPE concord_database_up gauge
            concord_database_up \(storedChanges == nil ? 0 : 1)
            # HELP concord_long_polls_waiting Pulls held open (wait=) until a change is committed.
            # TYPE concord_long_polls_waiting gauge
            concord_long_polls_waiting \(longPolls)

            """.utf8)
        return text
    }
}
