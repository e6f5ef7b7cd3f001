import ConcordCore
import Foundation
import Testing

/// Clusters of protocol.md §11: connected components of non-deleted events under `same_as` links.
@Suite("Clusters")
struct ClusterTests {
    @Test("linked events form one component in either direction, unlinked events stand alone")
    func components() {
        let clusters = Clusters(
            events: ["e1", "e2", "e3", "e4", "e5"], deleted: [], links: [("e2", "e1"), ("e3", "e2"), ("e5", "e5")])
        #expect(clusters.cluster(of: "e3") == "e1")
        #expect(clusters.cluster(of: "e1") == "e1")
        #expect(clusters.cluster(of: "e4") == "e4")
        #expect(clusters.cluster(of: "e5") == "e5")
        #expect(clusters.members == ["e1": ["e1", "e2", "e3"], "e4": ["e4"], "e5": ["e5"]])
    }

    @Test("a deleted event breaks a chain through it and belongs to no cluster")
    func deletedBreaksChain() {
        let clusters = Clusters(events: ["a", "b", "c"], deleted: ["b"], links: [("a", "b"), ("b", "c")])
        #expect(clusters.cluster(of: "a") == "a")
        #expect(clusters.cluster(of: "c") == "c")
        #expect(clusters.cluster(of: "b") == nil)
        #expect(clusters.members == ["a": ["a"], "c": ["c"]])
    }

    @Test("the id is the smallest member by string comparison")
    func smallestID() {
        let clusters = Clusters(events: ["e9", "e10", "e2"], deleted: [], links: [("e9", "e10"), ("e2", "e9")])
        #expect(clusters.cluster(of: "e9") == "e10")
        #expect(clusters.members["e10"] == ["e10", "e2", "e9"])
    }

    @Test("links to unknown events are ignored, repeated events and links are harmless")
    func unknownAndRepeated() {
        let clusters = Clusters(
            events: ["x", "y", "x"], deleted: [], links: [("x", "ghost"), ("ghost", "y"), ("x", "y"), ("y", "x")])
        #expect(clusters.cluster(of: "ghost") == nil)
        #expect(clusters.members == ["x": ["x", "y"]])
    }

    @Test("the same clusters whatever the order of events and links")
    func orderIndependent() {
        let events = (0..<50).map { "e\($0)" }
        let links = (0..<30).map { ("e\($0 * 7 % 50)", "e\($0 * 11 % 50)") }
        let reference = Clusters(events: events, deleted: ["e3", "e21"], links: links)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let shuffled = Clusters(
                events: events.shuffled(using: &random), deleted: ["e21", "e3"],
                links: links.shuffled(using: &random).map { Bool.random(using: &random) ? ($0.1, $0.0) : $0 })
            #expect(shuffled.members == reference.members)
        }
    }

    @Test("a chain of 100 000 linked events is one cluster")
    func longChain() {
        let events = (0..<100_000).map { String(format: "e%06d", $0) }
        let links = zip(events, events.dropFirst()).map { ($0, $1) }
        let clusters = Clusters(events: events.reversed(), deleted: [], links: links.reversed())
        #expect(clusters.members.count == 1)
        #expect(clusters.cluster(of: "e099999") == "e000000")
    }
}
