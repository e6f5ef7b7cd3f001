import ConcordStore
import ConcordCore
import Foundation
import Testing

/// The analyst's daily tool (issue 14): several fields in one edit, filters, short ids, codes in any case.
@Suite("Daily tool")
struct DailyToolTests {
    /// A store with both seed articles: (store, the drill article, the talks article).
    func setUp(_ dir: TempDir, seed: UInt64 = 1) throws -> (LocalStore, EntityID, EntityID) {
        let store = try makeStore(dir, seed: seed)
        let documents = try store.importArticles(seedFiles)
        let drill = try #require(documents.first { $0.title.contains("air drill") == true }).id
        let talks = try #require(documents.first { $0.id != drill }).id
        return (store, drill, talks)
    }

    func add(_ store: LocalStore, doc: EntityID, _ values: [String: String] = [:], tags: [String] = []) throws
        -> EntityID
    {
        try store.addEvent(
            EventDraft(values: ["doc": doc.rawValue, "title": "Joint air drill"].merging(values) { $1 }, tags: tags))
    }

    @Test("event edit writes several fields and elements in one transaction, checking mode against the new type")
    func editSeveralFields() throws {
        let dir = TempDir()
        let (store, drill, _) = try setUp(dir)
        let id = try add(store, doc: drill, ["type": "AGREE"])
        let before = try store.history(of: id).count
        let outcome = try store.editEvent(
            id.rawValue,
            EventEdit(
                values: ["type": "consult", "mode": "Visit", "date": "2025-07-11", "country": "kor", "title": "Talks"],
                added: ["actors": ["South Korea", "Japan"], "context": ["military"]], removed: [:]))
        #expect(outcome.changes.count == 8)
        let event = try store.event(id.rawValue)
        #expect(event.fields["type"]?.value == "CONSULT")
        #expect(event.fields["mode"]?.value == "visit", "the mode is checked against the type of the same edit")
        #expect(event.fields["country"]?.value == "KOR")
        #expect(event.fields["title"]?.value == "Talks")
        #expect(event.sets["actors"] == ["Japan", "South Korea"])
        #expect(event.sets["context"] == ["military"])
        #expect(try store.history(of: id).count == before + 8)
        // One HLC tick per change, all in one transaction: the log holds them together, in order.
        let clocks = try store.history(of: id).suffix(8).map(\.change.hlc)
        #expect(clocks == clocks.sorted())

        let removed = try store.editEvent(id.rawValue, EventEdit(removed: ["actors": ["Japan"]]))
        #expect(removed.changes.count == 1)
        #expect(try store.event(id.rawValue).sets["actors"] == ["South Korea"])
        // Values already shown write nothing.
        let same = try store.editEvent(id.rawValue, EventEdit(values: ["type": "CONSULT", "title": "Talks"]))
        #expect(same.changes.isEmpty)
    }

    @Test("one refused value in event edit writes nothing at all")
    func editIsAllOrNothing() throws {
        let dir = TempDir()
        let (store, drill, _) = try setUp(dir)
        let id = try add(store, doc: drill, ["type": "CONSULT"])
        let before = try store.allChanges().count
        let refusals: [(EventEdit, String)] = [
            (EventEdit(values: ["title": "New title", "country": "XXX"]), "country"),
            (EventEdit(values: ["title": "New title", "mode": "troops"]), "not a mode of CONSULT"),
            (EventEdit(values: ["title": "New title", "type": "MOBILIZE", "mode": "visit"]), "not a mode of MOBILIZE"),
            (EventEdit(values: ["title": "New title"], added: ["context": ["not-a-context"]]), "PLOVER context"),
            (EventEdit(values: ["title": "New title", "evidence": "words that are not in the article"]), "quote"),
            (EventEdit(), "nothing to change"),
        ]
        for (edit, expected) in refusals {
            #expect {
                try store.editEvent(id.rawValue, edit)
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
        #expect(try store.allChanges().count == before)
        #expect(try store.event(id.rawValue).fields["title"]?.value == "Joint air drill")
    }

    @Test("changing doc re-checks the evidence quote against the new article")
    func docChangeRechecksEvidence() throws {
        let dir = TempDir()
        let (store, drill, talks) = try setUp(dir)
        let quote = "conducted a joint air drill on Friday"
        let id = try add(store, doc: drill, ["evidence": quote])
        let before = try store.allChanges().count
        #expect {
            try store.set(id.rawValue, field: "doc", value: talks.rawValue)
        } throws: { error in
            "\(error)".contains("evidence does not occur")
        }
        #expect(try store.allChanges().count == before)
        #expect(try store.event(id.rawValue).fields["doc"]?.value.string == drill.rawValue)
        // With evidence from the new article in the same edit, both are written.
        let talksQuote = "held the talks Tuesday"
        let moved = try store.editEvent(
            id.rawValue,
            EventEdit(values: ["doc": String(talks.rawValue.dropFirst(9).prefix(6)), "evidence": talksQuote]))
        #expect(moved.changes.count == 2)
        #expect(try store.event(id.rawValue).fields["doc"]?.value.string == talks.rawValue)
        // An evidence edit alone is checked against the event's document.
        #expect(throws: (any Error).self) { try store.set(id.rawValue, field: "evidence", value: quote) }
    }

    @Test("event codes are accepted in any case and stored in the schema's")
    func codesInAnyCase() throws {
        let dir = TempDir()
        let (store, drill, _) = try setUp(dir)
        let id = try add(
            store, doc: drill, ["type": "cooperate", "country": "usa", "confidence": "HIGH", "status": "Draft"])
        let event = try store.event(id.rawValue)
        #expect(event.fields["type"]?.value == "COOPERATE")
        #expect(event.fields["country"]?.value == "USA")
        #expect(event.fields["confidence"]?.value == "high")
        #expect(event.fields["status"]?.value == "draft")
        _ = try store.set(id.rawValue, field: "type", value: "mobilize")
        #expect(try store.event(id.rawValue).fields["type"]?.value == "MOBILIZE")
        #expect(try store.events(EventFilter(type: "Mobilize")).map(\.id) == [id])
    }

    @Test("events filters: type, author, tag, status, text, conflicts and deleted, combined")
    func filters() throws {
        let dir = TempDir()
        let (store, drill, talks) = try setUp(dir)
        let a = try add(store, doc: drill, ["type": "COOPERATE", "status": "disputed", "summary": "B-52 over the sea"])
        let b = try add(store, doc: drill, ["type": "MOBILIZE", "title": "Show of force"], tags: ["deterrence"])
        let c = try add(store, doc: talks, ["type": "CONSULT", "title": "Video talks"], tags: ["deterrence"])
        let d = try add(store, doc: talks, ["type": "CONSULT", "title": "Deleted one"])
        _ = try store.delete(d.rawValue)
        func ids(_ filter: EventFilter) throws -> Set<EntityID> { Set(try store.events(filter).map(\.id)) }
        #expect(try ids(EventFilter(deleted: .hidden)) == [a, b, c])
        #expect(try ids(EventFilter(deleted: .only)) == [d])
        #expect(try ids(EventFilter()) == [a, b, c, d])
        #expect(try ids(EventFilter(type: "consult", deleted: .hidden)) == [c])
        #expect(try ids(EventFilter(tag: "deterrence")) == [b, c])
        #expect(try ids(EventFilter(doc: String(drill.rawValue.dropFirst(9).prefix(5)), tag: "deterrence")) == [b])
        #expect(try ids(EventFilter(status: "DISPUTED")) == [a])
        #expect(try ids(EventFilter(text: "b-52 SEA")) == [a], "every word, any case, in any text field")
        #expect(try ids(EventFilter(text: "b-52 land")).isEmpty)
        #expect(try ids(EventFilter(text: "100%")).isEmpty, "% is matched literally")
        #expect(try ids(EventFilter(author: "alice")) == [a, b, c, d])
        #expect(try ids(EventFilter(author: "bob")).isEmpty)
        #expect(try ids(EventFilter(conflictsOnly: true)).isEmpty)
    }

    @Test("short ids: each names its event alone, and every command accepts it")
    func shortIDs() throws {
        let dir = TempDir()
        let (store, drill, _) = try setUp(dir)
        // The test clock makes ids a millisecond apart: they share their first 11 characters.
        var ids: [EntityID] = []
        for n in 0..<300 { ids.append(try add(store, doc: drill, ["title": "event \(n)"])) }
        let short = try store.shortIDs(of: .event)
        #expect(short.count == 300)
        for id in ids {
            let reference = try #require(short[id])
            #expect(reference.count <= 8, "\(reference) for \(id)")
            #expect(try store.entityID(matching: reference, kind: .event) == id)
            #expect(try store.event(reference).id == id)
        }
        let documents = try store.shortIDs(of: .document)
        for (id, reference) in documents {
            #expect(reference.count == ShortID.minimumLength)
            #expect(try store.entityID(matching: reference, kind: .document) == id)
        }
        // A reference shorter than a short id names several events: refused, listing candidates.
        // (The ids' leading characters, which all 300 share: a prefix of a short id's random group may happen to
        // name one event alone.)
        let prefix = String(ids[0].id.prefix(2))
        #expect {
            try store.entityID(matching: prefix, kind: .event)
        } throws: { error in
            "\(error)".contains("matches several")
        }
    }

    @Test("doc show: the article with each quote marked by its events' numbers, events by analyst, controls escaped")
    func reading() throws {
        let dir = TempDir()
        let (store, drill, _) = try setUp(dir)
        let text = try #require(try store.documentText(drill))
        let quote = "B-52"
        #expect(text.contains(quote))
        let a = try add(store, doc: drill, ["title": "Drill", "evidence": quote])
        let b = try add(store, doc: drill, ["title": "Missing"])
        let deleted = try add(store, doc: drill, ["title": "Gone", "evidence": quote])
        _ = try store.delete(deleted.rawValue)
        let reading = try store.reading(String(drill.rawValue.dropFirst(9).prefix(4)))
        #expect(reading.document.id == drill)
        #expect(reading.events.map(\.summary.id) == [a, b].sorted { $0.rawValue < $1.rawValue })
        let marked = reading.markedText(.brackets)
        let number = reading.events.firstIndex { $0.summary.id == a }! + 1
        #expect(marked.contains("[[\(quote)]][\(number)]"))
        #expect(
            marked.replacingOccurrences(of: "[[", with: "").replacingOccurrences(of: "]][\(number)]", with: "") == text)
        #expect(reading.markedText(.ansi).contains("\u{1B}[7m\(quote)\u{1B}[0m"))
        #expect(reading.quotesNotFound.isEmpty)
        #expect("title\u{1B}]0;owned\u{07}\n\tok".printable == "title\\u{1b}]0;owned\\u{7}\n\tok")
        #expect {
            try store.reading("ffff")
        } throws: { error in
            "\(error)".contains("no document matches")
        }
    }
}
