import ConcordStore
import ConcordCore
import Foundation
import Testing

@Suite("Event import")
struct EventImportTests {
    @Test("JSONL and CSV files import every row")
    func importsBoth() throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        let doc = try store.importArticles(seedFiles)[0].id.rawValue
        let jsonl = dir.write(
            "events.jsonl",
            """
            {"doc": "\(doc)", "title": "Video talks", "type": "CONSULT", "actors": ["South Korea", "United States"]}

            {"doc": "\(doc.prefix(14))", "title": "Vow", "type": "AGREE", "tags": ["trilateral"], "date": "2025-05"}
            """)
        let csv = dir.write(
            "events.csv",
            "doc,title,type,actors,tags\n\(doc),\"Drill, joint\",COOPERATE,Japan;South Korea,b52\n"
                + "\(doc),\"Said \"\"hello\"\"\",,,\n")
        let a = try store.importEvents(from: jsonl)
        let b = try store.importEvents(from: csv)
        #expect(a.count == 2)
        #expect(b.count == 2)
        let drill = try store.event(b[0].rawValue)
        #expect(drill.fields["title"]?.value == "Drill, joint")
        #expect(drill.sets["actors"] == ["Japan", "South Korea"])
        #expect(try store.event(b[1].rawValue).fields["title"]?.value == "Said \"hello\"")
        #expect(try store.event(a[1].rawValue).fields["date"]?.value == "2025-05")
    }

    @Test("a bad line names the line and the field and imports nothing")
    func badLine() throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        let doc = try store.importArticles(seedFiles)[0].id.rawValue
        let cases: [(String, String, String)] = [
            (
                "{\"doc\": \"\(doc)\", \"title\": \"ok\"}\n{\"doc\": \"\(doc)\", \"title\": \"x\", \"type\": \"PARTY\"}\n",
                ":2:", "type"
            ),
            ("{\"doc\": \"\(doc)\", \"title\": \"ok\"}\n{\"doc\": \"\(doc)\", \"titel\": \"x\"}\n", ":2:", "titel"),
            (
                "{\"doc\": \"\(doc)\", \"title\": \"ok\"}\n{\"doc\": \"\(doc)\", \"title\": \"x\", \"actors\": \"a\"\n",
                ":2:", "JSON"
            ),
            ("{\"doc\": \"\(doc)\", \"title\": \"ok\"}\n{\"doc\": \"\(doc)\"}\n", ":2:", "title"),
            ("{\"doc\": \"\(doc)\", \"title\": \"ok\", \"actors\": [1]}\n", ":1:", "actors"),
            ("{\"doc\": \"0000\", \"title\": \"ok\"}\n", ":1:", "doc"),
        ]
        for (n, (content, line, field)) in cases.enumerated() {
            let path = dir.write("bad\(n).jsonl", content)
            let error = #expect(throws: StoreError.self) { try store.importEvents(from: path) }
            let message = error?.description ?? ""
            #expect(message.contains(path + line), "\(message)")
            #expect(message.contains(field), "\(message)")
            #expect(message.contains("nothing was imported"))
        }
        let csv = dir.write("bad.csv", "doc,title,country\n\(doc),ok,KOR\n\(doc),bad,Korea\n")
        let error = #expect(throws: StoreError.self) { try store.importEvents(from: csv) }
        #expect(error?.description.contains("bad.csv:3: field country") == true)
        #expect(try store.events().isEmpty)
    }

    @Test("empty, binary and missing files are refused naming the file")
    func badFiles() throws {
        let dir = TempDir()
        let store = try makeStore(dir)
        let empty = dir.write("empty.jsonl", "")
        let blank = dir.write("blank.jsonl", "\n\n  \n")
        let binary = dir.file("binary.jsonl")
        try Data([0x7b, 0x00, 0x01, 0x02]).write(to: URL(fileURLWithPath: binary))
        for path in [empty, blank, binary, dir.file("missing.jsonl")] {
            let error = #expect(throws: StoreError.self) { try store.importEvents(from: path) }
            #expect(error?.description.hasPrefix(path) == true)
        }
    }
}
