import ConcordCore
import ConcordStore
import ConcordTestSupport
import Foundation
import Testing

/// PLOVER completeness (protocol.md §17, issue 32): end dates, auxiliary modes, several quotes, what import reads
/// from an article's header, and a PLOVER export a consumer can load.
@Suite("PLOVER completeness")
struct PloverCompletenessTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Corpus/articles").standardized

    @Test(
        "import reads outlet, byline and publication date from 16 real articles of 14 outlets; docs shows them and the file"
    )
    func importCorpus() async throws {
        let expectations = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: Self.corpus.appendingPathComponent("import-expectations.json")))
                as? [String: Any])
        let articles = try #require(expectations["articles"] as? [[String: Any]])
        let sources = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: Self.corpus.appendingPathComponent("sources.json")))
                as? [[String: Any]])
        let urls = Dictionary(uniqueKeysWithValues: sources.map { ($0["file"] as! String, $0["url"] as! String) })
        #expect(articles.count >= 10)
        #expect(Set(articles.map { $0["outlet"] as! String }).count >= 10, "from different outlets")
        let dir = TempDir()
        let store = try makeStore(dir)
        var checked = 0
        for article in articles {
            let file = article["file"] as! String
            let imported = try store.importArticles(
                [Self.corpus.appendingPathComponent(file).path], url: urls[file])
            let document = try #require(try store.documents().first { $0.id == imported[0].id })
            #expect(document.source == article["outlet"] as? String, "\(file): outlet")
            #expect(document.byline == article["byline"] as? String, "\(file): byline")
            #expect(document.published == article["published"] as? String, "\(file): publication date")
            #expect(document.file == file, "\(file): the file it came from")
            #expect(document.url == urls[file])
            checked += 1
        }
        #expect(checked == articles.count)
        // The CLI shows them.
        let cli = CLI(store: dir.file("cli.sqlite"))
        try await cli.ok(["init", "--analyst", "alice"])
        let file = "04_ajupress-kim-yo-jong-warning.txt"
        try await cli.ok(["import", Self.corpus.appendingPathComponent(file).path, "--url", urls[file]!])
        let docs = try await cli.ok(["docs"]).stdout
        for shown in ["ajupress.com", "Park Sae-jin", "2025-09-14", file] {
            #expect(docs.contains(shown), "docs shows \(shown): \(docs)")
        }
    }

    @Test("header shapes news sites print: bylines, date lines, datelines, URLs")
    func headerShapes() {
        func read(_ text: String, url: String? = nil) -> ArticleHeader {
            ArticleHeader.read(text.split(separator: "\n").map(String.init), url: url)
        }
        #expect(
            read("T\nBy Jane Doe | The Daily Example | March 3, 2025\nBody.")
                == ArticleHeader(
                    outlet: "The Daily Example", byline: "Jane Doe", published: "2025-03-03"))
        #expect(read("T\nSEOUL (Reuters) - North Korea fired.").outlet == "Reuters")
        #expect(read("T\nBy IANS | Updated: May 21, 2025 10:47 IST\nSeoul, May 21 body").published == "2025-05-21")
        #expect(read("T\nPublished: 23 Sep. 2025\nbody").published == "2025-09-23")
        #expect(read("T\n2024/09/24 17:02 KST\nbody").published == "2024-09-24")
        #expect(read("T\nThu, 15 May 2025 14:14:37 PKT\nbody").published == "2025-05-15")
        #expect(read("T\nUpdated: June 2, 2025\nPublished: June 1, 2025\nbody").published == "2025-06-01")
        #expect(read("T\nSeoul, May 21 (Yonhap) -- body").published == nil, "no year: no publication date")
        #expect(read("T\nbody", url: "https://www.example.com/news/2025/07/11/drill").published == "2025-07-11")
        #expect(read("T\nbody", url: "https://www.example.com/a").outlet == "example.com")
        #expect(
            read("T\nThe talks were held on July 11, 2025, in a long sentence that is not a header line at all.")
                .published == nil)
    }

    @Test("relative dates are read against the article's publication date")
    func relativeDates() {
        // 2025-07-12 was a Saturday.
        #expect(RelativeDate.resolve("Friday", published: "2025-07-12") == "2025-07-11")
        #expect(RelativeDate.resolve("saturday", published: "2025-07-12") == "2025-07-12")
        #expect(RelativeDate.resolve("Sun", published: "2025-07-12") == "2025-07-06")
        #expect(RelativeDate.resolve("yesterday", published: "2025-03-01") == "2025-02-28")
        #expect(RelativeDate.resolve("today", published: "2025-07-12") == "2025-07-12")
        #expect(RelativeDate.resolve("2025-07-11", published: "2025-07-12") == nil)
        #expect(RelativeDate.resolve("Friday", published: "2025-07") == nil)
    }

    @Test("end dates, auxiliary modes and quotes: coded, checked and exported as PLOVER says")
    func codingAndExport() async throws {
        let dir = TempDir()
        let cli = CLI(store: dir.file("store.sqlite"))
        try await cli.ok(["init", "--analyst", "alice"])
        let reuters = seedFiles.first { $0.contains("003_") }!
        try await cli.ok(["import", reuters, "--url", "https://www.reuters.com/world/asia-pacific/2025-07-11/drill"])
        let docs = try await cli.json(["docs"])
        let doc =
            "document/"
            + (try #require((docs as? [[String: Any]])?.first?["id"] as? String)).dropFirst("document/".count)
        // An end before the start, a quote not in the article, an unknown aux: refused, nothing written.
        let badEnd = try await cli.run([
            "event", "add", "--doc", doc, "--title", "Drill", "--date", "2025-07-11", "--end-date", "2025-07-10",
        ])
        #expect(badEnd.status == 1 && badEnd.stderr.contains("before the date"), "\(badEnd.stderr)")
        let badQuote = try await cli.run([
            "event", "add", "--doc", doc, "--title", "Drill", "--quote", "never said this",
        ])
        #expect(badQuote.status == 1, "\(badQuote.stderr)")
        let badAux = try await cli.run(["event", "add", "--doc", doc, "--title", "Drill", "--aux", "someday"])
        #expect(badAux.status == 1 && badAux.stderr.contains("future, historical"), "\(badAux.stderr)")
        #expect((try await cli.json(["events"]) as? [Any])?.isEmpty == true)

        let added = try await cli.ok([
            "event", "add", "--doc", doc, "--title", "Joint air drill", "--type", "COOPERATE", "--date", "2025-07",
            "--end-date", "2025-07-12", "--aux", "Historical", "--actor", "South Korea",
            "--evidence", "conducted a joint air drill on Friday",
            "--quote", "involving a U.S. B-52 strategic bomber",
        ])
        let id = added.lines[0]
        try await cli.ok(["event", "note", id, "the date is the drill's, not the article's"])
        let incomplete = try await cli.ok(["event", "add", "--doc", doc, "--title", "Talks"])
        #expect(incomplete.stderr.contains("has no type, date, actor"), "\(incomplete.stderr)")
        let listed = try await #require(try cli.json(["events", "--incomplete"]) as? [[String: Any]])
        #expect(listed.map { $0["title"] as? String } == ["Talks"])

        let lines = try await cli.ok(["export", "--format", "plover"]).lines
        let records = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let drill = try #require(
            records.first { ($0["concord"] as? [String: Any])?["title"] as? String == "Joint air drill" })
        #expect(drill["date"] as? String == "2025-07-01", "a month is exported as its first day")
        #expect(drill["enddate"] as? String == "2025-07-12")
        let concord = try #require(drill["concord"] as? [String: Any])
        #expect(concord["date_precision"] as? String == "month")
        #expect(concord["end_date_precision"] as? String == "day")
        #expect(drill["mode"] as? [String] == ["historical"], "an auxiliary mode is a PLOVER mode")
        #expect(
            drill["event_text"] as? [String]
                == ["conducted a joint air drill on Friday", "involving a U.S. B-52 strategic bomber"])
        let offsets = try #require(drill["text_info"] as? [[String: Int]])
        #expect(offsets.count == 2 && offsets[0]["sequence"] == 0 && offsets[1]["start"]! > offsets[0]["start"]!)
        #expect((drill["comment"] as? String)?.contains("the date is the drill's") == true)
        let cite = try #require(drill["cite_info"] as? [String: Any])
        #expect(cite["publication"] as? String == "reuters.com")
        #expect(cite["url"] as? String == "https://www.reuters.com/world/asia-pacific/2025-07-11/drill")
        #expect((cite["citation"] as? String)?.contains("Jack Kim and Joyce Lee") == true)
        #expect(drill["has_event"] as? Bool == true)
        let talks = try #require(records.first { ($0["concord"] as? [String: Any])?["title"] as? String == "Talks" })
        #expect(talks["has_event"] as? Bool == false, "an incomplete record is never written as complete")
        #expect((talks["concord"] as? [String: Any])?["incomplete"] as? [String] == ["date", "actor", "event"])
        // Every record against the field table of docs/plover.md: required fields present, lists as lists.
        for record in records {
            for field in ["id", "date", "actor", "event"] { #expect(record.keys.contains(field), "\(field) required") }
            for field in ["actor", "event"] { #expect(record[field] is [Any], "\(field) is a list") }
            for field in ["recipient", "event_text", "mode", "context", "text_info"] where record[field] != nil {
                #expect(record[field] is [Any], "\(field) is a list")
            }
            if let date = record["date"] as? String { #expect(date.count == 10, "date is a full day") }
        }
    }

    @Test("relative --date: Friday in a story published on a Saturday is the day before; no publication date: refused")
    func relativeDateCLI() async throws {
        let dir = TempDir()
        let cli = CLI(store: dir.file("store.sqlite"))
        try await cli.ok(["init", "--analyst", "alice"])
        let ians = seedFiles.first { $0.contains("000_") }!
        try await cli.ok(["import", ians])
        let docs = try await #require(try cli.json(["docs"]) as? [[String: Any]])
        let doc = try #require(docs.first?["id"] as? String)
        let added = try await cli.ok(["event", "add", "--doc", doc, "--title", "Talks", "--date", "tuesday"])
        #expect(added.stderr.contains("read as 2025-05-20"), "\(added.stderr)")
        let event = try await #require(try cli.json(["events"]) as? [[String: Any]]).first
        #expect(event?["date"] as? String == "2025-05-20", "the IANS story of Wednesday 21 May: Tuesday is the 20th")
        let reuters = seedFiles.first { $0.contains("003_") }!
        try await cli.ok(["import", reuters])
        let other = try await #require(
            (try cli.json(["docs"]) as? [[String: Any]])?.first { $0["id"] as? String != doc }?["id"] as? String)
        let refused = try await cli.run(["event", "add", "--doc", other, "--title", "Drill", "--date", "Friday"])
        #expect(refused.status == 1 && refused.stderr.contains("has none"), "\(refused.stderr)")
    }
}
