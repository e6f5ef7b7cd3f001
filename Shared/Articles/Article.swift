import Crypto
import Foundation

/// A news article parsed from a plain-text file, as analysts paste or save them (see `seeds/`).
///
/// Parsing keeps what a reader would call the article: the title (first real line), the byline, the body.
/// Page furniture ("City", "Epaper", "Open in App", truncated teasers ending in "...", "Related Stories" and what
/// follows, image tags like `tagreuters.com2025binary_…`) is dropped. The document id is content-addressed over
/// the whitespace-normalized ``text``, so two analysts importing the same article get the same document.
public struct Article: Hashable, Sendable {
    public var title: String
    /// The outlet (``ArticleHeader``): the byline's `| OUTLET |`, the URL's site, the dateline's agency.
    public var source: String?
    /// The publication date as ISO 8601 (`YYYY-MM-DD`) when the header or the URL gives one.
    public var published: String?
    /// The byline's names, else the dateline's agency.
    public var byline: String? = nil
    /// The normalized article text: title, byline and body paragraphs separated by blank lines.
    public var text: String

    /// `document/<first 16 hex digits of SHA-256(text)>`.
    public var id: EntityID { Article.documentID(forText: text) }

    public static func documentID(forText text: String) -> EntityID {
        let digest = SHA256.hash(data: Data(text.utf8))
        let hex = digest.prefix(8).map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
        return try! EntityID("document/" + hex)
    }

    /// The largest article file accepted.
    public static let maximumBytes = Limits.documentTextBytes

    /// Parses article bytes; `name` (usually the file path) appears in errors.
    public static func parse(_ data: Data, name: String, url: String? = nil) throws(ArticleError) -> Article {
        guard !data.isEmpty else { throw ArticleError(file: name, problem: "the file is empty") }
        guard data.count <= maximumBytes else {
            throw ArticleError(
                file: name,
                problem:
                    "the file is \(data.count.formatted) bytes; articles are at most \(maximumBytes.formatted) bytes")
        }
        guard !data.contains(0), let raw = String(validating: data, as: UTF8.self) else {
            throw ArticleError(file: name, problem: "the file is not UTF-8 text (binary data?)")
        }
        // A byte-order mark is not text: without this, the same article saved with one had another document id.
        let unmarked = raw.hasPrefix("\u{FEFF}") ? String(raw.dropFirst()) : raw
        var lines = unmarked.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: true)
            .map { normalizeSpaces($0) }
            .filter { !$0.isEmpty }
        if let end = lines.firstIndex(where: { isRelatedStoriesMarker($0) }) {
            lines.removeSubrange(end...)
        }
        lines.removeAll { isFurniture($0) }
        lines = dropTeasers(lines)
        guard let title = lines.first else {
            throw ArticleError(file: name, problem: "no text found: expected a title line and at least one paragraph")
        }
        guard lines.count >= 2 else {
            throw ArticleError(file: name, problem: "only a title found: expected at least one paragraph after it")
        }
        guard title.count <= 500 else {
            throw ArticleError(
                file: name, problem: "the first line (the title) is \(title.count) characters; at most 500")
        }
        let header = ArticleHeader.read(lines, url: url)
        return Article(
            title: title, source: header.outlet, published: header.published, byline: header.byline,
            text: lines.joined(separator: "\n\n"))
    }

    static func normalizeSpaces(_ line: Substring) -> String {
        line.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    private static let furniture: Set<String> = [
        "city", "epaper", "e-paper", "open in app", "advertisement", "read more", "share", "subscribe", "sign in",
        "skip to content", "listen to this article", "save", "follow",
    ]

    static func isFurniture(_ line: String) -> Bool {
        let lower = line.lowercased()
        if furniture.contains(lower) { return true }
        if lower.hasPrefix("disclaimer: this post has been auto-published") { return true }
        // Image tags and similar tokens: one long word carrying "binary_" or a bare URL.
        if !line.contains(" ")
            && (lower.contains("binary_") || lower.hasPrefix("http://") || lower.hasPrefix("https://"))
        {
            return true
        }
        return false
    }

    static func isRelatedStoriesMarker(_ line: String) -> Bool {
        let lower = line.lowercased()
        return lower == "related stories" || lower == "related articles" || lower == "more stories"
            || (lower.hasSuffix("stories") && lower.split(separator: " ").count <= 4 && lower.contains("rel"))
    }

    /// Drops teaser lines ending in "..." whose text starts a later line.
    static func dropTeasers(_ lines: [String]) -> [String] {
        var out: [String] = []
        for (i, line) in lines.enumerated() {
            var stem = line
            if stem.hasSuffix("...") {
                stem.removeLast(3)
            } else if stem.hasSuffix("…") {
                stem.removeLast()
            } else {
                out.append(line)
                continue
            }
            stem = stem.trimmingCharacters(in: .whitespaces)
            if !stem.isEmpty, lines[(i + 1)...].contains(where: { $0.hasPrefix(stem) && $0 != line }) { continue }
            out.append(line)
        }
        return out
    }

}

/// An article file that could not be imported, naming the file and the problem.
public struct ArticleError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var problem: String

    public var description: String { "\(file): \(problem)" }
}

/// Whether an evidence quote occurs in a text, ignoring differences in whitespace and typographic quotes.
public enum Evidence {
    public static func occurs(_ quote: String, in text: String) -> Bool {
        let q = normalize(quote)
        return !q.isEmpty && normalize(text).contains(q)
    }

    static func normalize(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var pendingSpace = false
        for ch in s {
            if ch.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace {
                out.append(" ")
                pendingSpace = false
            }
            out.append(fold(ch))
        }
        return out
    }

    /// A typographic quote or dash as its ASCII form; any other character as it is.
    static func fold(_ ch: Character) -> Character {
        switch ch {
        case "\u{2018}", "\u{2019}", "\u{201B}", "\u{2032}": "'"
        case "\u{201C}", "\u{201D}", "\u{201F}", "\u{2033}": "\""
        case "\u{2013}", "\u{2014}": "-"
        default: ch
        }
    }
}

extension Evidence {
    /// Where `quote` first occurs in `text`, as character offsets into the text normalised as ``occurs(_:in:)``
    /// compares them (whitespace runs as one space, typographic quotes and dashes folded): the span `concord
    /// match` compares by intersection over union. Two quotes of one document are measured on the same normalised
    /// text, so their offsets compare exactly.
    public static func span(of quote: String, in text: String) -> Range<Int>? {
        let q = normalize(quote)
        guard !q.isEmpty else { return nil }
        let normalized = normalize(text)
        guard let range = normalized.firstRange(of: q) else { return nil }
        let start = normalized.distance(from: normalized.startIndex, to: range.lowerBound)
        return start..<(start + q.count)
    }
}

extension Evidence {
    /// A document's text as ``span(of:in:)`` measures it, for locating several quotes of one document without
    /// normalising it again for each.
    public struct Normalized: Sendable {
        public let text: String
        fileprivate let characters: [Character]

        public init(_ text: String) {
            self.text = Evidence.normalize(text)
            characters = Array(self.text)
        }
    }

    /// Where `quote` first occurs in `document` (offsets as ``span(of:in:)`` gives them), and the sentence or
    /// sentences that hold it: from the character after the previous sentence end (`.`, `?` or `!`, with any
    /// closing quote, then a space) to the end of the sentence the quote ends in.
    public static func locate(_ quote: String, in document: Normalized) -> (
        span: Range<Int>, sentence: Range<Int>, sentenceText: String
    )? {
        let q = normalize(quote)
        guard !q.isEmpty, let range = document.text.firstRange(of: q) else { return nil }
        let start = document.text.distance(from: document.text.startIndex, to: range.lowerBound)
        let span = start..<(start + q.count)
        let chars = document.characters
        func endsSentence(at i: Int) -> Bool {
            // chars[i] is a space that follows ".", "?" or "!", possibly through closing quotes.
            guard i < chars.count, chars[i] == " " else { return false }
            var j = i - 1
            while j >= 0, chars[j] == "\"" || chars[j] == "'" || chars[j] == ")" { j -= 1 }
            return j >= 0 && (chars[j] == "." || chars[j] == "?" || chars[j] == "!")
        }
        var lower = span.lowerBound
        while lower > 0 && !endsSentence(at: lower - 1) { lower -= 1 }
        var upper = max(span.upperBound, span.lowerBound + 1)
        while upper < chars.count && !endsSentence(at: upper) { upper += 1 }
        upper = min(upper, chars.count)
        return (span, lower..<upper, String(chars[lower..<upper]))
    }
}
