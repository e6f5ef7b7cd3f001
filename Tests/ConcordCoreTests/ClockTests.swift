import ConcordCore
import Testing

@Suite("Hybrid logical clock")
struct ClockTests {
    @Test("readings format as <unix-ms>:<4-digit counter> and parse back")
    func roundTrip() throws {
        let hlc = HLC(millis: 1_752_224_400_000, counter: 3)
        #expect(hlc.description == "1752224400000:0003")
        #expect(try HLC("1752224400000:0003") == hlc)
    }

    @Test(
        "malformed readings are refused with what was expected",
        arguments: [
            "", "abc", "1:2", "1752224400000", "1752224400000:00001", "-1:0000", "1:000a", "12345678901234567:0000",
            "1:0000:0000",
        ])
    func malformed(_ text: String) {
        #expect(throws: IdentifierError.self) { try HLC(text) }
        do { _ = try HLC(text) } catch { #expect(error.description.contains("<unix-ms>:<4-digit counter>")) }
    }

    @Test("ticks never go backwards, even when the wall clock does")
    func monotonic() {
        var clock = HybridClock()
        let a = clock.tick(wall: 5_000)
        let b = clock.tick(wall: 4_000)
        let c = clock.tick(wall: 5_000)
        let d = clock.tick(wall: 6_000)
        #expect(a < b && b < c && c < d)
        #expect(d == HLC(millis: 6_000, counter: 0))
    }

    @Test("after receiving a reading the next tick is greater than it")
    func receive() {
        var clock = HybridClock()
        _ = clock.tick(wall: 1_000)
        clock.receive(HLC(millis: 9_000, counter: 42), wall: 1_001)
        #expect(clock.tick(wall: 1_002) == HLC(millis: 9_000, counter: 43))
    }

    @Test("the counter rolls into the next millisecond past 9999")
    func counterOverflow() {
        var clock = HybridClock(last: HLC(millis: 7, counter: 9_999))
        #expect(clock.tick(wall: 0) == HLC(millis: 8, counter: 0))
    }

    @Test("a reading more than 10 minutes ahead of the server is too far ahead")
    func clockAhead() {
        let now: Int64 = 1_752_224_400_000
        #expect(!HLC(millis: now + 600_000, counter: 0).isTooFarAhead(of: now))
        #expect(HLC(millis: now + 600_001, counter: 0).isTooFarAhead(of: now))
    }

    @Test("UUIDv7 ids are time-ordered and strictly increasing within a generator")
    func uuidv7() throws {
        var now: Int64 = 1_752_224_400_000
        var ids = UUIDv7Generator(now: { now }, random: SeededRandom(seed: 1))
        var previous = ids.next()
        for i in 0..<10_000 {
            if i % 100 == 0 { now += i % 300 == 0 ? -5 : 1 }
            let id = ids.next()
            #expect(previous < id)
            previous = id
        }
        let text = previous.rawValue
        #expect(text[text.index(text.startIndex, offsetBy: 14)] == "7", "version nibble")
        #expect("89ab".contains(text[text.index(text.startIndex, offsetBy: 19)]), "variant bits")
        #expect(try ChangeID(text) == previous)
    }
}
