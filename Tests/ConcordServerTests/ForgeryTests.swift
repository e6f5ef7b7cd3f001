import ConcordCore
import ConcordServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 15, findings 1 and 4: forged documents and terminal escapes are refused at the server (422, nothing stored).
@Suite("Forged documents and control characters")
struct ForgeryTests {
    static let text = "A title\n\nSEOUL (Reuters) - a joint air drill on Friday involving a U.S. B-52 strategic bomber."

    func refused(_ batch: [Change], expecting fragment: String) async throws {
        let team = try await Team.make()
        try await team.app().test(.router) { client in
            let response = try await client.push(batch, token: team.a)
            #expect(response.status == .unprocessableContent)
            let body = try decode(Wire.ErrorBody.self, response.body)
            guard case .refused(let refused) = body.detail else {
                Issue.record("detail is not a refused list: \(body)")
                return
            }
            #expect(refused.contains { $0.error.contains(fragment) }, "\(refused.map(\.error))")
            #expect(try await team.store.changeCount() == 0)
        }
    }

    @Test("a document text whose hash is not its id is refused; the true text is accepted")
    func forgedText() async throws {
        let factory = ChangeFactory()
        let id = Article.documentID(forText: Self.text)
        try await refused(
            [factory.make(try EntityID("document/0000000000000000"), "text", .string("anything at all"))],
            expecting: "hash")
        try await refused([factory.make(id, "text", .string(Self.text + " And a forged line."))], expecting: "hash")
        let team = try await Team.make()
        try await team.app().test(.router) { client in
            let response = try await client.push([factory.make(id, "text", .string(Self.text))], token: team.a)
            #expect(response.status == .ok)
        }
    }

    @Test("a document text holding a NUL is refused (it could be stored but never shown whole)")
    func nulText() async throws {
        let factory = ChangeFactory()
        let text = "A title\n\nSome text\u{0}with a NUL."
        try await refused([factory.make(Article.documentID(forText: text), "text", .string(text))], expecting: "NUL")
    }

    @Test("a change superseding a document's text is refused, even with the same text")
    func supersedingText() async throws {
        let factory = ChangeFactory()
        let id = Article.documentID(forText: Self.text)
        let original = factory.make(id, "text", .string(Self.text))
        let again = factory.make(id, "text", .string(Self.text), supersedes: [original.id])
        try await refused([original, again], expecting: "a document is its text")
    }

    @Test("control characters in a single-line field or a reason are refused; newlines in a summary are not")
    func controlCharacters() async throws {
        let factory = ChangeFactory()
        let event = factory.newEvent()
        let entity = event[0].entity
        try await refused(
            event + [factory.make(entity, "title", .string("Drill\u{1B}]0;owned\u{07}"))], expecting: "control")
        try await refused(event + [factory.make(entity, "location", .string("Seoul\nJeju"))], expecting: "one line")
        try await refused(
            event + [factory.make(entity, "actors", .string("USA\u{9B}31m"), op: .add)], expecting: "U+009B")
        try await refused(event + [factory.make(entity, "summary", .string("a\u{1B}[2Jb"))], expecting: "U+001B")
        let team = try await Team.make()
        try await team.app().test(.router) { client in
            let fine = factory.make(entity, "summary", .string("Two lines,\n\tindented."))
            let response = try await client.push(event + [fine], token: team.a)
            #expect(response.status == .ok)
        }
    }
}
