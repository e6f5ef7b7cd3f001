import ConcordCore
import Foundation
import Testing

@Suite("Article parsing")
struct ArticleTests {
    static func seed(_ prefix: String) throws -> Data {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../seeds")
        let name = try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasPrefix(prefix) }!
        return try Data(contentsOf: dir.appendingPathComponent(name))
    }

    @Test("the IANS seed yields its title, source, date and body, without page furniture")
    func ians() throws {
        let article = try Article.parse(try Self.seed("000"), name: "000.txt")
        #expect(
            article.title
                == "Military chiefs of South Korea, US vow to strengthen trilateral security cooperation with Japan")
        #expect(article.source == "IANS")
        #expect(article.published == "2025-05-21")
        #expect(!article.text.contains("Open in App"))
        #expect(!article.text.contains("Epaper"))
        #expect(!article.text.contains("Related Stories"))
        #expect(!article.text.contains("the ..."), "the truncated teaser is dropped")
        #expect(article.text.contains("Adm. Kim Myung-soo, chairman of the Joint Chiefs of Staff (JCS)"))
    }

    @Test("the Reuters seed takes its source from the dateline and drops image tags")
    func reuters() throws {
        let article = try Article.parse(try Self.seed("003"), name: "003.txt")
        #expect(article.title == "South Korea, Japan, US conduct air drill as defence chiefs meet")
        #expect(article.source == "Reuters")
        #expect(!article.text.contains("binary_"))
        #expect(
            Evidence.occurs(
                "conducted a joint air drill on Friday involving a U.S. B-52 strategic bomber", in: article.text))
    }

    @Test("the document id is content-addressed: whitespace differences give the same document")
    func contentAddressed() throws {
        let data = try Self.seed("003")
        let messy = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n  ")
            .replacingOccurrences(of: " the ", with: "   the ")
        let a = try Article.parse(data, name: "a")
        let b = try Article.parse(Data(messy.utf8), name: "b")
        #expect(a.id == b.id)
        #expect(a.id.rawValue.hasPrefix("document/") && a.id.id.count == 16)
        let other = try Article.parse(try Self.seed("000"), name: "c")
        #expect(other.id != a.id)
    }

    @Test(
        "empty, binary, title-only and huge files are refused naming the file",
        arguments: [
            (Data(), "empty"), (Data([0, 1, 2, 3]), "not UTF-8"), (Data([0xff, 0xfe, 0x41]), "not UTF-8"),
            (Data("Only a title\n\n   \n".utf8), "only a title"), (Data("\n\n  Open in App \n".utf8), "no text"),
            (Data(repeating: 65, count: Article.maximumBytes + 1), "at most"),
        ])
    func badFiles(_ input: (Data, String)) {
        do {
            _ = try Article.parse(input.0, name: "bad.txt")
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasPrefix("bad.txt: "))
            #expect(error.description.contains(input.1), "\(error.description)")
        }
    }

    @Test("random and mutated inputs never crash the parser", .timeLimit(.minutes(1)))
    func fuzz() throws {
        var random = SeededRandom(seed: 99)
        let base = Array(try Self.seed("003"))
        for _ in 0..<2_000 {
            var bytes = base
            for _ in 0..<(1 + Int(random.next() % 20)) {
                let i = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[i] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.remove(at: i)
                default: bytes.insert(10, at: i)
                }
            }
            if random.next() % 10 == 0 { bytes = bytes.prefix(Int(random.next() % 200)).map { $0 } }
            do {
                let article = try Article.parse(Data(bytes), name: "fuzz")
                #expect(!article.title.isEmpty)
            } catch {
                #expect(error.description.hasPrefix("fuzz: "))
            }
        }
    }

    @Test("evidence matching ignores whitespace and typographic quotes but not words")
    func evidence() {
        let text = "“We’re illuminating a future path together,” he said.\n\nNext paragraph."
        #expect(Evidence.occurs("\"We're   illuminating a future\npath together,\"", in: text))
        #expect(!Evidence.occurs("We are illuminating", in: text))
        #expect(!Evidence.occurs("   ", in: text))
    }

    @Test("Evidence.ranges finds every occurrence in the original text, across spacing and typographic quotes")
    func evidenceRanges() {
        let text = "He said \u{201C}we   will\ngo\u{201D} and then \"we will go\" again."
        let ranges = Evidence.ranges(of: "\"we will go\"", in: text)
        #expect(ranges.map { String(text[$0]) } == ["\u{201C}we   will\ngo\u{201D}", "\"we will go\""])
        #expect(Evidence.ranges(of: "will go", in: text).count == 2)
        #expect(Evidence.ranges(of: "   ", in: text).isEmpty)
        #expect(Evidence.ranges(of: "we will stay", in: text).isEmpty)
        // Every range found is one occurs() accepts, and they do not overlap.
        #expect(Evidence.ranges(of: "a", in: "aaaa").count == 4)
        #expect(Evidence.ranges(of: "aa", in: "aaaaa").count == 2)
    }

    @Test("a byte-order mark changes nothing: the same article, the same document id")
    func byteOrderMark() throws {
        let text = "A title\n\nThe first paragraph of the article.\n"
        let plain = try Article.parse(Data(text.utf8), name: "plain.txt")
        let marked = try Article.parse(Data([0xEF, 0xBB, 0xBF] + Array(text.utf8)), name: "marked.txt")
        #expect(marked.id == plain.id)
        #expect(marked.title == "A title")
    }
}
