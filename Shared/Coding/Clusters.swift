/// The clusters of protocol.md §11: connected components of non-deleted events under live `same_as` links.
///
/// Links are undirected; an unlinked event is a cluster of one. A cluster's id is its smallest member id (by
/// `String` comparison), so every replica that sees the same events and links computes the same clusters.
/// Built with union-find, in near-linear time in the number of events and links. Internally events and clusters
/// are numbers (clusters numbered in id order), which ``AgreementReport`` works on directly.
public struct Clusters: Sendable {
    /// The non-deleted events, by number.
    let ids: [String]
    /// The number of each non-deleted event.
    let number: [String: Int]
    /// The cluster number of each event number.
    let clusterOfEvent: [Int]
    /// The id of each cluster number, ascending.
    let clusterIDs: [String]

    /// Clusters of `events` less `deleted`. A link that touches a deleted event or one not in `events` is ignored,
    /// so a deleted event breaks a chain through it. Repeated events and links are harmless.
    public init(events: [String], deleted: Set<String>, links: [(String, String)]) {
        var number: [String: Int] = [:]
        var ids: [String] = []
        number.reserveCapacity(events.count)
        for event in events where !deleted.contains(event) && number[event] == nil {
            number[event] = ids.count
            ids.append(event)
        }
        var sets = UnionFind(count: ids.count)
        for (a, b) in links {
            if let i = number[a], let j = number[b] { sets.union(i, j) }
        }
        var root = [Int](repeating: 0, count: ids.count)
        var smallest = [Int](repeating: -1, count: ids.count)
        for i in ids.indices {
            let r = sets.find(i)
            root[i] = r
            if smallest[r] < 0 || ids[i] < ids[smallest[r]] { smallest[r] = i }
        }
        let roots = ids.indices.filter { root[$0] == $0 }.sorted { ids[smallest[$0]] < ids[smallest[$1]] }
        var clusterOfRoot = [Int](repeating: -1, count: ids.count)
        for (k, r) in roots.enumerated() { clusterOfRoot[r] = k }
        self.ids = ids
        self.number = number
        clusterOfEvent = root.map { clusterOfRoot[$0] }
        clusterIDs = roots.map { ids[smallest[$0]] }
    }

    /// The id of the cluster holding `event`, or nil when the event is deleted or unknown.
    public func cluster(of event: String) -> String? {
        number[event].map { clusterIDs[clusterOfEvent[$0]] }
    }

    /// The sorted members of each cluster, by cluster id. Built on each call: read it once.
    public var members: [String: [String]] {
        var groups = [[String]](repeating: [], count: clusterIDs.count)
        for (i, id) in ids.enumerated() { groups[clusterOfEvent[i]].append(id) }
        var members: [String: [String]] = [:]
        members.reserveCapacity(groups.count)
        for (k, group) in groups.enumerated() { members[clusterIDs[k]] = group.sorted() }
        return members
    }
}
