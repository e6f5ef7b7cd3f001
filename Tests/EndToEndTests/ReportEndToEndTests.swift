import AsyncHTTPClient
import ConcordStore
import ConcordSync
import ConcordCore
import ConcordServer
import Foundation
import NIOCore
import Testing

/// The conflict-resolution report of a scripted team history, built on a synced replica and by the server.
@Suite("Report end to end", .serialized)
struct ReportEndToEndTests {
    func get(_ cluster: Cluster, _ path: String, token: String) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: cluster.server.url.absoluteString + path)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPTransport.sharedClient.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return (Int(response.status.code), Data(body.readableBytesView))
    }

    @Test("every section matches the scripted history, on a replica and on the server, in Markdown, JSON and HTML")
    func scriptedHistory() async throws {
        try await Cluster.with { cluster in
            let alice = try await cluster.analyst("alice")
            let bob = try await cluster.analyst("bob")
            let carol = try await cluster.analyst("carol", role: .adjudicator)
            let drill = try await SyncEndToEndTests.drill(cluster).rawValue
            let talks = try bob.addEvent(
                EventDraft(values: ["doc": try alice.documents()[0].id.rawValue, "title": "Kim and Caine video talks"]))
            try await cluster.syncAll()

            // Offline disagreements, an agreement, and a delete racing a note.
            _ = try alice.set(drill, field: "type", value: "COOPERATE")
            _ = try bob.set(drill, field: "type", value: "MOBILIZE")
            _ = try alice.set(drill, field: "location", value: "international waters")
            _ = try bob.set(drill, field: "location", value: "Korean Peninsula")
            _ = try alice.set(drill, field: "confidence", value: "high")
            _ = try bob.set(drill, field: "confidence", value: "high")
            _ = try alice.delete(talks.rawValue)
            _ = try carol.note(talks.rawValue, text: "CONSULT, remote")
            try await cluster.syncAll()
            let reason = "PLOVER: joint military exercises are COOPERATE"
            let keep = try #require(
                try carol.event(drill).fields["type"]?.candidates.first { $0.author.rawValue == "alice" })
            _ = try carol.resolve(drill, field: "type", keep: keep.change.rawValue, value: nil, reason: reason)
            try await cluster.syncAll()

            let local = try carol.report(generatedAt: nil)
            // Open conflicts: the location dispute, with both candidates, the document and the evidence.
            #expect(local.openConflicts.map(\.field) == ["location"])
            let open = try #require(local.openConflicts.first)
            #expect(Set(open.candidates.map(\.author.rawValue)) == ["alice", "bob"])
            #expect(open.evidence?.contains("B-52 strategic bomber") == true)
            #expect(open.document?.title?.contains("air drill") == true)
            // Resolved: carol chose alice's COOPERATE over MOBILIZE, with her reason.
            let resolved = try #require(local.resolvedConflicts.first)
            #expect(local.resolvedConflicts.count == 1)
            #expect(resolved.chosen.author.rawValue == "carol" && resolved.chosen.value == .string("COOPERATE"))
            #expect(Set(resolved.alternatives.map(\.value)) == [.string("COOPERATE"), .string("MOBILIZE")])
            #expect(resolved.reason == reason && resolved.chosenWasAlternative)
            // Delete/edit: alice's delete never saw carol's note.
            let deleteEdit = try #require(local.deleteEditConflicts.first)
            #expect(deleteEdit.entity == talks)
            #expect(deleteEdit.deletes.map(\.author.rawValue) == ["alice"])
            #expect(deleteEdit.edits.map(\.author.rawValue) == ["carol"])
            // Agreement: confidence agreed once; type and location each conflicted once.
            let event = local.fieldAgreement.filter { $0.entityKind == .event }
            #expect(event.first { $0.field == "confidence" }.map { [$0.agreements, $0.conflicts] } == [1, 0])
            #expect(event.first { $0.field == "type" }.map { [$0.agreements, $0.conflicts] } == [0, 1])
            #expect(event.first { $0.field == "location" }.map { [$0.agreements, $0.conflicts] } == [0, 1])
            #expect(event.first { $0.field == "location" }?.rate == 0)
            // Activity: carol made the one resolution.
            #expect(local.analysts.map(\.analyst.rawValue) == ["alice", "bob", "carol"])
            #expect(local.analysts.map(\.resolutions) == [0, 0, 1])
            #expect(local.header.counts.openConflicts == 1 && local.header.counts.resolvedConflicts == 1)
            #expect(local.header.counts.deleteEditConflicts == 1 && local.header.counts.deletedEvents == 1)

            // The server's report over HTTP is the same report.
            let (status, json) = try await get(cluster, "/v1/report?format=json", token: cluster.tokens["alice"]!)
            #expect(status == 200)
            var remote = try ConflictReport.decode(json: json)
            remote.generatedAt = nil
            #expect(remote == local, "the server and a synced replica build the same report")

            // Markdown and HTML carry the same conflicts, values and reason.
            let (mdStatus, md) = try await get(cluster, "/v1/report?format=md", token: cluster.tokens["bob"]!)
            let (htmlStatus, html) = try await get(cluster, "/v1/report?format=html", token: cluster.tokens["bob"]!)
            #expect(mdStatus == 200 && htmlStatus == 200)
            let markdown = String(decoding: md, as: UTF8.self)
            let page = String(decoding: html, as: UTF8.self)
            #expect(markdown.contains("## Open conflicts (1)") && markdown.contains("## Resolved conflicts (1)"))
            for text in ["Korean Peninsula", "international waters", "MOBILIZE", "carol", "CONSULT, remote"] {
                #expect(markdown.contains(text), "markdown lacks \(text)")
                #expect(page.contains(text), "html lacks \(text)")
            }
            #expect(markdown.contains(reason) && page.contains(reason))
            #expect(page.contains("<html") && !page.contains("<script"))
        }
    }
}
