import Foundation

/// What the first lines of a news article say about it (protocol.md §17): the outlet, the byline and the publication
/// date, read from the shapes news sites print them in:
///
/// - a byline line: `By NAME`, `By NAME | OUTLET | Month D, YYYY`, `By NAME Posted : September 14, 2025, 09:50`;
/// - a date line: `Published: 15 Sep. 2025, 12:23`, `Published Sep 15, 2025 02:47 pm`, `Updated: May 21, 2025
///   10:47 IST`, `21:00 JST, November 15, 2024`, `June 30, 2024 - 10:33`, `입력 2024.10.31 (16:18)`,
///   `Thu, 15 May 2025 14:14:37 PKT`, `May 16th 2025 12:31 PM`, `2024/09/24 17:02 KST`;
/// - a dateline naming an agency: `SEOUL (Reuters) -`, `SEOUL, South Korea (AP) —`, `(MENAFN- IANS)`,
///   `SEOUL, June 27. /TASS/.`;
/// - the article's URL, when the analyst gives it (`concord import --url`): its site, and a date in its path
///   (`/2025-09-15/`, `/2025/09/15/`).
///
/// The outlet is the byline's `| OUTLET |`, else the URL's site, else the dateline's agency, else an agency-like
/// byline; the byline is the `By` line's names, else the agency. A first publication date is preferred to an
/// update's. A date without a year (a dateline "Seoul, May 21") is not a publication date.
public struct ArticleHeader: Hashable, Sendable {
    public var outlet: String?
    public var byline: String?
    /// `YYYY-MM-DD`.
    public var published: String?

    public init(outlet: String? = nil, byline: String? = nil, published: String? = nil) {
        self.outlet = outlet
        self.byline = byline
        self.published = published
    }

    /// Reads the header of an article's lines (title first), and of its URL when known.
    public static func read(_ lines: [String], url: String? = nil) -> ArticleHeader {
        var header = ArticleHeader()
        var agency: String?
        var updated: String?
        var headerOutlet: String?
        // The first line is the title, unless the paste began with the story's first line or a date: it is read
        // for a dateline and a date-only line too.
        if let first = lines.first {
            agency = datelineAgency(first)
            if first.count <= 30, let date = date(in: first) { header.published = date }
        }
        let head = Array(lines.dropFirst().prefix(8))
        for line in head {
            let lower = line.lowercased()
            if header.byline == nil, let (names, outlet) = byline(line) {
                header.byline = names
                headerOutlet = headerOutlet ?? outlet
            }
            if let date = date(in: line) {
                let isUpdate =
                    lower.contains("updated") && !lower.contains("published") && !lower.contains("posted")
                    && !lower.contains("입력")
                if isUpdate {
                    updated = updated ?? date
                } else if header.published == nil, isDateLine(line) {
                    header.published = date
                }
            }
            if agency == nil { agency = datelineAgency(line) }
        }
        if header.published == nil { header.published = updated }
        let site = url.flatMap(Self.site(of:))
        if header.published == nil { header.published = url.flatMap(Self.dateInPath) }
        header.outlet = headerOutlet ?? site ?? agency ?? header.byline.flatMap { isAgencyLike($0) ? $0 : nil }
        if header.byline == nil { header.byline = agency }
        return header
    }

    // MARK: Bylines

    /// `By NAME …`: the names, and an outlet when the line reads `By NAME | OUTLET | …`.
    static func byline(_ line: String) -> (String, String?)? {
        let lower = line.lowercased()
        let rest: String
        if lower.hasPrefix("by ") {
            rest = String(line.dropFirst(3))
        } else if let label = ["reported by:", "written by:", "reported by", "written by"].first(where: {
            lower.hasPrefix($0)
        }) {
            rest = String(line.dropFirst(label.count))
        } else {
            return nil
        }
        let parts = rest.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        var names = parts.first ?? ""
        // Cut where a date or a "Posted/Updated/Published" begins.
        for marker in [
            " Posted", " Updated", " Published", " Last Updated", " Edited by", " Photos", ",", " - ", " – ", " — ",
            " -- ",
        ] {
            if let range = names.range(of: marker) { names = String(names[..<range.lowerBound]) }
        }
        names = names.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        guard !names.isEmpty, names.count <= 120, date(in: names) == nil else { return nil }
        var outlet: String?
        if parts.count >= 3, date(in: parts[1]) == nil, !parts[1].lowercased().hasPrefix("updated"),
            !parts[1].lowercased().hasPrefix("published"), parts[1].count <= 80
        {
            outlet = parts[1]
        }
        return (names, outlet)
    }

    /// Agencies and desks that sign stories: a byline of one of these is also who published it when nothing else
    /// says (a syndicated story).
    static func isAgencyLike(_ byline: String) -> Bool {
        let words = byline.split(separator: " ")
        return words.count <= 3
            && (byline == byline.uppercased() || byline.lowercased().hasSuffix("desk")
                || ["Reuters", "Yonhap", "Xinhua", "Kyodo", "Bernama", "Anadolu"].contains(byline))
    }

    // MARK: Datelines

    /// The agency a dateline names: `SEOUL (Reuters) -`, `(MENAFN- IANS)`, `SEOUL, June 27. /TASS/.`.
    static func datelineAgency(_ line: String) -> String? {
        if let open = line.firstIndex(of: "("), let close = line[open...].firstIndex(of: ")") {
            let before = line[..<open].trimmingCharacters(in: .whitespaces)
            var inside = line[line.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            let after = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
            if inside.hasPrefix("MENAFN-") { inside = inside.dropFirst(7).trimmingCharacters(in: .whitespaces) }
            let cityLike =
                before.isEmpty
                || (before.count <= 60 && before.first?.isUppercase == true
                    && before.split(separator: " ").count <= 6)
            let dashAfter = ["-", "—", "–"].contains { after.hasPrefix($0) } || after.first?.isUppercase == true
            if cityLike, dashAfter, !inside.isEmpty, inside.count <= 30, date(in: inside) == nil,
                !inside.contains(where: \.isNumber), inside.split(separator: " ").count <= 3
            {
                return inside
            }
        }
        // `/TASS/.`
        if let first = line.firstIndex(of: "/"), let second = line[line.index(after: first)...].firstIndex(of: "/") {
            let inside = line[line.index(after: first)..<second]
            if (2...12).contains(inside.count), inside == inside.uppercased(), inside.allSatisfy({ $0.isLetter }),
                line[..<first].count <= 40
            {
                return String(inside)
            }
        }
        return nil
    }

    // MARK: Dates

    /// Whether a line with a date is a header's date line (short, or labelled), not a sentence of the story that
    /// happens to hold a date.
    static func isDateLine(_ line: String) -> Bool {
        let lower = line.lowercased()
        let labelled =
            ["published", "posted", "updated", "입력", "date:", "by ", "reported by", "written by"].contains {
                lower.hasPrefix($0)
            } || lower.contains("published") || lower.contains("posted")
        return labelled || line.count <= 60
    }

    private static let monthNames = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december",
    ]

    /// The month a word names: a full name, or its first three letters (`Sep`, `Sept`, `Sep.`).
    static func month(_ word: Substring) -> Int? {
        let w = Punctuation.trim(word.lowercased())
        guard w.count >= 3 else { return nil }
        if let full = monthNames.firstIndex(of: w) { return full + 1 }
        if w == "sept" { return 9 }
        if w.count == 3, let short = monthNames.firstIndex(where: { $0.hasPrefix(w) }) { return short + 1 }
        return nil
    }

    /// The first full date in `text`, as `YYYY-MM-DD`: `Month D, YYYY`, `D Month YYYY`, `Month Dth YYYY`,
    /// `YYYY-MM-DD`, `YYYY.MM.DD`, `YYYY/MM/DD`. Nil when it names no real day.
    public static func date(in text: String) -> String? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "(" || $0 == ")" })
        func day(_ token: Substring) -> Int? {
            var t = token.lowercased()
            for suffix in ["st", "nd", "rd", "th", "."] where t.hasSuffix(suffix) { t.removeLast(suffix.count) }
            guard let d = Int(t), (1...31).contains(d) else { return nil }
            return d
        }
        func year(_ token: Substring) -> Int? {
            let t = Punctuation.trim(token)
            guard t.count == 4, let y = Int(t), (1900...2100).contains(y) else { return nil }
            return y
        }
        func iso(_ y: Int, _ m: Int, _ d: Int) -> String? {
            let text = String(format: "%04d-%02d-%02d", y, m, d)
            return EventDate.isValid(text) ? text : nil
        }
        for (i, token) in tokens.enumerated() {
            // Numeric: 2024-10-31, 2024.10.31, 2024/09/24.
            for separator in ["-", ".", "/"] as [Character] {
                let parts = token.split(separator: separator)
                if parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]),
                    let d = Int(parts[2].prefix(2)), (1...12).contains(m), let found = iso(y, m, d)
                {
                    return found
                }
            }
            // Month D YYYY
            if let m = month(token), i + 2 < tokens.count, let d = day(tokens[i + 1]), let y = year(tokens[i + 2]),
                let found = iso(y, m, d)
            {
                return found
            }
            // D Month YYYY
            if let d = day(token), i + 2 < tokens.count, let m = month(tokens[i + 1]), let y = year(tokens[i + 2]),
                let found = iso(y, m, d)
            {
                return found
            }
        }
        return nil
    }

    /// A date in a URL's path: `/2025-09-15/`, `/2025/09/15/`, `/20250915`.
    static func dateInPath(_ url: String) -> String? {
        let path = url.split(separator: "?").first.map(String.init) ?? url
        let segments = path.split(separator: "/").map(String.init)
        for (i, segment) in segments.enumerated() {
            if segment.count == 10, let found = date(in: segment) { return found }
            if segment.count == 4, let y = Int(segment), (1990...2100).contains(y), i + 2 < segments.count,
                let m = Int(segments[i + 1]), let d = Int(segments[i + 2].prefix(2)), segments[i + 1].count == 2
            {
                let text = String(format: "%04d-%02d-%02d", y, m, d)
                if EventDate.isValid(text) { return text }
            }
        }
        return nil
    }

    /// A URL's site, as a reader names it: its host without `www.`, `m.`, `amp.` or `en.`.
    static func site(of url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        var host = url[schemeEnd.upperBound...].split(separator: "/").first.map(String.init) ?? ""
        host = host.split(separator: ":").first.map(String.init) ?? host
        for prefix in ["www.", "m.", "amp.", "en.", "english."] where host.hasPrefix(prefix) {
            host.removeFirst(prefix.count)
        }
        return host.isEmpty ? nil : host.lowercased()
    }
}

/// The punctuation the header reader trims from a word (`Sep.`, `2025,`).
enum Punctuation {
    static let characters: Set<Character> = [".", ",", ":", ";", "(", ")", "[", "]", "\"", "'"]

    static func trim(_ text: some StringProtocol) -> String {
        var s = Substring(text)
        while let first = s.first, characters.contains(first) { s.removeFirst() }
        while let last = s.last, characters.contains(last) { s.removeLast() }
        return String(s)
    }
}
