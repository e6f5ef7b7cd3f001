import ConcordCore
import Foundation
import Testing

/// Markdown, JSON and HTML render the one report value and agree; user text is escaped; the page fetches nothing.
@Suite("Conflict report rendering")
struct ReportRenderingTests {
    let story = ReportStory()
    var report: ConflictReport { ConflictReport.build(from: story.changes, generatedAt: ReportStory.generatedAt) }

    @Test("the JSON reads back to the same report, with snake_case keys")
    func jsonRoundTrips() throws {
        let json = report.json()
        #expect(try ConflictReport.decode(json: json) == report)
        let text = try #require(String(data: json, encoding: .utf8))
        for key in [
            "\"open_conflicts\"", "\"resolved_conflicts\"", "\"delete_edit_conflicts\"", "\"field_agreement\"",
            "\"chosen_was_alternative\"", "\"events_touched\"", "\"first_hlc\"", "\"deleted_events\"",
        ] {
            #expect(text.contains(key), "missing \(key)")
        }
        #expect(!text.contains("openConflicts"))
    }

    @Test("Markdown, JSON and HTML show the same conflicts, names, reasons and figures")
    func renderersAgree() throws {
        let markdown = report.markdown()
        let html = report.html()
        let parsed = try ConflictReport.decode(json: report.json())
        #expect(parsed.openConflicts.count == 3)

        for conflict in parsed.openConflicts {
            for candidate in conflict.candidates {
                #expect(markdown.contains(candidate.change.rawValue))
                #expect(html.contains(candidate.change.rawValue))
                #expect(markdown.contains("| \(candidate.value) | \(candidate.author) |"))
                #expect(html.contains("<div class=\"value\">\(candidate.value)</div>"))
            }
        }
        #expect(markdown.contains("## Open conflicts (3)"))
        #expect(html.contains("Open conflicts <span class=\"badge alert\">3</span>"))
        #expect(markdown.contains("## Resolved conflicts (1)"))
        #expect(html.contains("Resolved conflicts <span class=\"badge ok\">1</span>"))
        #expect(markdown.contains("## Delete/edit conflicts (1)"))
        #expect(html.contains("Delete/edit conflicts <span class=\"badge warn\">1</span>"))

        // The evidence quote, as a blockquote in both.
        #expect(markdown.contains("> " + ReportStory.evidence))
        #expect(html.contains("<blockquote>" + ReportStory.evidence + "</blockquote>"))
        // The resolution: who, what, why (the reason has quotes, escaped in HTML).
        #expect(markdown.contains("**carol** chose **international waters**"))
        #expect(html.contains("carol</span> chose <strong class=\"chosen-value\">international waters</strong>"))
        #expect(markdown.contains("Reason: “Reuters says \"over international waters\"; the peninsula"))
        #expect(html.contains("Reuters says &quot;over international waters&quot;; the peninsula"))
        // The headline figures: counts, cluster disagreements beside open conflicts, then α per coded field and
        // detection F1 (an episode rate of 20 % beside α of 0 to 1 read as a contradiction, issue 29).
        #expect(markdown.contains("| 28 | 1 | 3 | 1 | 3 | 3 | 0 | 1 | 1 |"))
        #expect(!markdown.contains("agreement rate (coded fields)") && !html.contains("Agreement rate"))
        #expect(html.contains("Krippendorff's <span class=\"greek\">α</span>"))
        #expect(html.contains("<span><small>type</small> 0.00</span>"))
        #expect(html.contains("<span><small>confidence</small> <small>undefined</small></span>"))
        #expect(html.contains("<th class=\"num\"><span class=\"greek\">α</span></th>"), "α is not uppercased to Α")
        #expect(report.header.agreementRate.map { abs($0 - 3.0 / 7.0) < 1e-9 } == true)
        // Krippendorff's α per coded field beside percent agreement; the pair's detection F1.
        #expect(markdown.contains("| type | nominal | 0.000 | 0.0% | 2 |"))
        #expect(markdown.contains("| confidence | ordinal | undefined | 100.0% | 1 |"))
        #expect(markdown.contains("| alice – bob | 0.000 | 1 | 0 |"))
        #expect(html.contains("<td>confidence</td><td>ordinal</td><td class=\"num\">undefined</td>"))
        // Per-field rates and per-analyst rows.
        #expect(markdown.contains("| event | type | 0 | 2 | 0.0% |"))
        #expect(markdown.contains("| document | title | 1 | 0 | 100.0% |"))
        #expect(html.contains("<div class=\"bar-agree\" style=\"width:100.0%\"></div>"))
        #expect(markdown.contains("| alice | 12 | 3 | 4 | 3 | 0 |"))
        #expect(markdown.contains("| carol | 1 | 1 | 0 | 0 | 1 |"))
        for analyst in parsed.analysts {
            #expect(html.contains("<span class=\"name\">\(analyst.analyst)</span>"))
            #expect(html.contains("<td class=\"num\">\(analyst.changes)</td>"))
        }
        // The delete/edit conflict's unseen edits.
        #expect(markdown.contains("| country | set | USA | bob |"))
        #expect(html.contains("<td>USA</td>"))
    }

    @Test("the HTML page has no script and references nothing outside itself")
    func htmlIsSelfContained() {
        let html = report.html().lowercased()
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://"))
        #expect(!html.contains("https://"))
        #expect(!html.contains("src="))
        #expect(!html.contains("<link"))
        #expect(!html.contains("@import"))
        #expect(!html.contains("url("))
    }

    @Test("hostile titles, values and reasons are escaped in HTML and cannot break Markdown tables")
    func escaping() throws {
        let hostile = "<script>alert(1)</script> & \"x\" 'y'"
        var builder = Story()
        let title = builder.change(Story.alice, "title", .string(hostile), at: 1_000)
        let a = builder.change(Story.alice, "location", "a | b\nc", at: 2_000)
        let b = builder.change(Story.bob, "location", .string("<img src=x onerror=alert(2)>"), at: 2_100)
        let c = builder.change(
            Story.carol, "type", "AID", at: 3_000, reason: "</p><script>alert(3)</script>")
        let report = ConflictReport.build(from: [title, a, b, c])

        let html = report.html()
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39;"))
        #expect(html.contains("&lt;img src=x onerror=alert(2)&gt;"))

        let markdown = report.markdown()
        #expect(!markdown.contains("<script>"))
        #expect(markdown.contains("\\<script\\>alert(1)\\</script\\> & \"x\" 'y'"))
        #expect(markdown.contains("| a \\| b<br>c | alice |"), "a | in a cell is escaped, a newline becomes <br>")
        for line in markdown.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.replacingOccurrences(of: "\\|", with: "").split(
                separator: "|", omittingEmptySubsequences: false)
            #expect(cells.count == 7, "a candidate row keeps its 5 cells: \(line)")
        }
    }

    @Test("changes in another order and with duplicates give byte-identical JSON")
    func orderDoesNotMatter() {
        var random = SeededRandom(seed: 42)
        let expected = report.json()
        for _ in 0..<20 {
            var changes = story.changes + story.changes.prefix(Int(random.next() % 10))
            changes.shuffle(using: &random)
            let shuffled = ConflictReport.build(from: changes, generatedAt: ReportStory.generatedAt)
            #expect(shuffled.json() == expected)
            #expect(shuffled.markdown() == report.markdown())
            #expect(shuffled.html() == report.html())
        }
    }

    @Test("a report with cluster disagreements and no entity conflict never says everyone agrees")
    func clusterDisagreementsOnly() throws {
        var story = Story()
        let other = try EntityID("event/0197f0a0-0000-7000-8000-000000000002")
        let changes = [
            story.change(Story.alice, "title", "Joint air drill", at: 1),
            story.change(Story.alice, "type", "COOPERATE", at: 2),
            story.change(Story.bob, "title", "B-52 show of force", at: 3, entity: other),
            story.change(Story.bob, "type", "MOBILIZE", at: 4, entity: other),
            story.change(Story.alice, Schema.sameAsField, .add, .string(other.rawValue), at: 5),
        ]
        let report = ConflictReport.build(from: changes)
        #expect(report.openConflicts.isEmpty)
        #expect(report.clusterDisagreements.count == 1)
        #expect(!report.html().contains("Everyone agrees"))
        #expect(report.html().contains("the linked events below still disagree"))
        #expect(report.markdown().contains("No event is in conflict on its own"))
        #expect(!report.markdown().contains("None, and no cluster disagreement."))
    }
}
