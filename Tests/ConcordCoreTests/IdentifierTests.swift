import ConcordCore
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    @Test("entity ids parse documents and events and normalize case")
    func entityIDs() throws {
        let doc = try EntityID("document/3f9a1c0d5e7b2a46")
        #expect(doc.kind == .document && doc.id == "3f9a1c0d5e7b2a46")
        let event = try EntityID("event/0193F6C2-6E00-7000-8000-1A2B3C4D5E6F")
        #expect(event.rawValue == "event/0193f6c2-6e00-7000-8000-1a2b3c4d5e6f")
    }

    @Test(
        "anything but document/<16 hex> or event/<uuid> is refused",
        arguments: [
            "", "event/", "../x", "event/../../etc/passwd", "document/3F9A1C0D5E7B2A46", "document/3f9a1c0d5e7b2a4",
            "user/0193f6c2-6e00-7000-8000-1a2b3c4d5e6f", "event/0193f6c2-6e00-7000-8000-1a2b3c4d5e6", "event 1",
            "event/0193f6c2-6e00-7000-8000-1a2b3c4d5e6f/x", "document/3f9a1c0d5e7b2a46 ",
        ])
    func badEntityIDs(_ text: String) {
        #expect(throws: IdentifierError.self) { try EntityID(text) }
    }

    @Test(
        "analyst names are 1–64 of a-z 0-9 . _ -",
        arguments: ["alice", "analyst-2", "a.b_c", String(repeating: "x", count: 64)])
    func goodNames(_ name: String) throws {
        #expect(try AnalystName(name).rawValue == name)
    }

    @Test(
        "bad analyst names are refused with the rule",
        arguments: ["", "Alice", "al ice", "a/b", String(repeating: "x", count: 65), "émile"])
    func badNames(_ name: String) {
        do {
            _ = try AnalystName(name)
            Issue.record("accepted \(name)")
        } catch {
            #expect(error.description.contains("a-z, 0-9"))
        }
    }

    @Test("change and replica ids must be UUIDs")
    func uuids() {
        #expect(throws: IdentifierError.self) { try ChangeID("not-a-uuid") }
        #expect(throws: IdentifierError.self) { try ReplicaID("0193f6c2-6e00-7000-8000-1a2b3c4d5e6g") }
        #expect(
            (try? ChangeID("0193F6C2-6E00-7000-8000-1A2B3C4D5E6F"))?.rawValue == "0193f6c2-6e00-7000-8000-1a2b3c4d5e6f")
    }
}

@Suite("Short ids")
struct ShortIDTests {
    @Test("each short id names its key alone, by the matching rule, and is as short as it can be")
    func shortestAndUnique() {
        var random = SeededRandom(seed: 42)
        for round in 0..<20 {
            // UUIDv7-like keys made within a few milliseconds (a long shared prefix), and hash-like keys.
            var keys = Set<String>()
            let count = 1 + Int(random.next() % 400)
            for _ in 0..<count {
                let hex = (0..<32).map { _ in String(random.next() % 16, radix: 16) }.joined()
                if round % 2 == 0 {
                    let time = "0197f8b6-82" + String(random.next() % 4, radix: 16)
                    keys.insert(
                        time + String(hex.prefix(1)) + "-7" + hex.dropFirst(1).prefix(3) + "-8"
                            + hex.dropFirst(4).prefix(3) + "-" + hex.dropFirst(7).prefix(12))
                } else {
                    keys.insert(String(hex.prefix(16)))
                }
            }
            let short = ShortID.shortest(keys)
            #expect(short.count == keys.count)
            for (key, reference) in short {
                let named = keys.filter { ShortID.matches(reference[...], key: $0[...]) }
                #expect(named == [key], "\(reference) names \(named)")
                #expect(reference.count >= ShortID.minimumLength)
                // One character fewer (still at least the minimum) names several keys.
                if reference.count > ShortID.minimumLength && reference != key {
                    let shorter = reference.dropLast()
                    #expect(keys.filter { ShortID.matches(shorter, key: $0[...]) }.count > 1)
                }
            }
        }
    }
}
