import ConcordStore
import ConcordCore
import Foundation
import Testing

/// Random and mutated `event import` files: never a crash, always all-or-nothing, errors name the file and line.
@Suite("Event import fuzzing")
struct EventImportFuzzTests {
    static func mutate(_ base: [UInt8], _ random: inout SeededRandom) -> [UInt8] {
        var bytes = base
        let alphabet = Array("{}[]\",:;\n\r\\ a0éx\u{0}".utf8) + [0xFF, 0xC3, 0x28]
        for _ in 0..<(1 + Int(random.next() % 3)) where !bytes.isEmpty {
            let i = Int(random.next() % UInt64(bytes.count))
            switch random.next() % 5 {
            case 0: bytes[i] = UInt8(truncatingIfNeeded: random.next())
            case 1: bytes.remove(at: i)
            case 2: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: i)
            case 3: bytes.insert(contentsOf: bytes[i..<min(bytes.count, i + Int(random.next() % 40))], at: i)
            default: bytes[i] = alphabet[Int(random.next() % UInt64(alphabet.count))]
            }
        }
        if random.next() % 8 == 0 { bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1)))) }
        return bytes
    }

    @Test("500 mutated JSONL and CSV files and random bytes: an import or a StoreError naming file and line")
    func fuzz() throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        let doc = try store.importArticles(seedFiles)[0].id.rawValue
        let jsonl = (0..<5).map {
            "{\"doc\": \"\(doc)\", \"title\": \"Event \($0)\", \"type\": \"CONSULT\", \"date\": \"2025-07-1\($0)\", "
                + "\"country\": \"KOR\", \"actors\": [\"South Korea\", \"Japan\"], \"tags\": [\"t\($0)\"]}"
        }.joined(separator: "\n")
        let csv =
            "doc,title,type,date,actors,tags,confidence\n"
            + (0..<5).map { "\(doc),\"Drill, \($0)\",COOPERATE,2025-07-0\($0 + 1),Japan;South Korea,b52,high" }
            .joined(separator: "\n")
        var random = SeededRandom(seed: 0x1F0)
        var imported = 0
        var refused = 0
        for iteration in 0..<500 {
            let isCSV = iteration % 2 == 1
            let bytes: [UInt8] =
                iteration % 10 == 9
                ? (0..<Int(random.next() % 300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                : Self.mutate(Array((isCSV ? csv : jsonl).utf8), &random)
            let path = dir.file("fuzz\(iteration).\(isCSV ? "csv" : "jsonl")")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
            let before = try store.events().count
            do {
                let ids = try store.importEvents(from: path)
                #expect(!ids.isEmpty)
                #expect(try store.events().count == before + ids.count, "every imported row is an event")
                imported += 1
            } catch let error as StoreError {
                refused += 1
                let message = error.description
                #expect(message.hasPrefix(path), "the error names the file: \(message)")
                #expect(message.hasSuffix("nothing was imported"), "\(message)")
                if case .badLine(_, let line, _, let problem) = error {
                    #expect((1...max(1, lines)).contains(line), "line \(line) of \(lines): \(message)")
                    #expect(!problem.isEmpty)
                }
                #expect(try store.events().count == before, "a refused import writes nothing")
            }
        }
        print("event import fuzz: \(imported) imported, \(refused) refused")
        #expect(imported > 20 && refused > 200, "the mutations cover both outcomes: \(imported) / \(refused)")
    }
}
