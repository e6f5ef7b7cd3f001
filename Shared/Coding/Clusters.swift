/// The clusters of DESIGN §11: connected components of non-deleted events under live `same_as` links.
///
/// Links are undirected; an unlinked event is a cluster of one. A cluster's id is its smallest member id (by
/// `String` comparison), so every replica that sees the same events and links computes the same clusters.
/// Built with union-find, in near-linear time in the number of events and links.
public struct Clusters: Sendable {
    private let clusterOf: [String: String]

    /// The cluster id of each member, and the sorted members of each cluster.
    public let members: [String: [String]]

    /// Clusters of `events` less `deleted`. A link that touches a deleted event or one not in `events` is ignored,
    /// so a deleted event breaks a chain through it. Repeated events and links are harmless.
    public init(events: [String], deleted: Set<String>, links: [(String, String)]) {
        var index: [String: Int] = [:]
        var ids: [String] = []
        for event in events where !deleted.contains(event) && index[event] == nil {
            index[event] = ids.count
            ids.append(event)
        }
        var sets = UnionFind(count: ids.count)
        for (a, b) in links {
            if let i = index[a], let j = index[b] { sets.union(i, j) }
        }
        var groups: [Int: [String]] = [:]
        for (i, id) in ids.enumerated() { groups[sets.find(i), default: []].append(id) }
        var members: [String: [String]] = [:]
        var clusterOf: [String: String] = [:]
        members.reserveCapacity(groups.count)
        clusterOf.reserveCapacity(ids.count)
        for group in groups.values {
            let sorted = group.sorted()
            members[sorted[0]] = sorted
            for id in sorted { clusterOf[id] = sorted[0] }
        }
        self.members = members
        self.clusterOf = clusterOf
    }

    /// The id of the cluster holding `event`, or nil when the event is deleted or unknown.
    public func cluster(of event: String) -> String? {
        clusterOf[event]
    }
}
