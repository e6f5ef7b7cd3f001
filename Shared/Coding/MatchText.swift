/// How `concord match` reads words, actor names and dates: small, documented normalisations, the same for every
/// language the titles are in (ASCII is folded and stemmed; other letters are compared as they are, lowercased).
public enum MatchText {
    /// Words too common to say anything about a happening.
    static let stopWords: Set<String> = [
        "a", "about", "after", "against", "also", "amid", "an", "and", "are", "as", "at", "be", "been", "before",
        "being", "but", "by", "for", "from", "had", "has", "have", "he", "her", "his", "in", "into", "is", "it", "its",
        "not", "of", "on", "or", "over", "said", "says", "she", "than", "that", "the", "their", "then", "there",
        "they", "this", "to", "was", "were", "which", "who", "will", "with", "would",
    ]

    /// A word's stem for comparison: a few English endings are cut so that "Korean" meets "Korea", "drills" meets
    /// "drill", "Japanese" meets "Japan". Crude on purpose: it only has to make two coders' words meet.
    static func stem(_ word: String) -> String {
        let n = word.utf8.count
        func cut(_ k: Int, _ add: String = "") -> String { String(word.utf8.dropLast(k))! + add }
        if n > 4 && word.hasSuffix("ese") { return cut(3) }
        if n > 4 && (word.hasSuffix("ian") || word.hasSuffix("ean")) { return cut(1) }
        if n > 4 && word.hasSuffix("ies") { return cut(3, "y") }
        if n > 3 && word.hasSuffix("s") && !word.hasSuffix("ss") { return cut(1) }
        if n > 5 && word.hasSuffix("ing") { return cut(3) }
        if n > 4 && word.hasSuffix("ed") { return cut(2) }
        return word
    }

    /// The words of `text` as compared: lowercased runs of letters and digits, stop words dropped, ASCII words
    /// stemmed (``stem(_:)``); `B-52` gives `b` and `52`. Sorted, without duplicates.
    public static func words(_ text: String) -> [String] {
        var words: Set<String> = []
        for word in rawWords(text) where !stopWords.contains(word.text) {
            words.insert(word.ascii ? stem(word.text) : word.text)
        }
        return words.sorted()
    }

    /// Lowercased runs of letters and digits, and whether each is ASCII.
    static func rawWords(_ text: String) -> [(text: String, ascii: Bool)] {
        var words: [(String, Bool)] = []
        var word: [UInt8] = []
        var ascii = true
        func flush() {
            guard !word.isEmpty else { return }
            let text = String(decoding: word, as: UTF8.self)
            words.append((ascii ? text : text.lowercased(), ascii))
            word.removeAll(keepingCapacity: true)
            ascii = true
        }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39, 0x61...0x7A: word.append(UInt8(scalar.value))
            case 0x41...0x5A: word.append(UInt8(scalar.value + 0x20))
            case 0...0x7F: flush()
            default:
                if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                    UTF8.encode(scalar) { word.append($0) }
                    ascii = false
                } else {
                    flush()
                }
            }
        }
        flush()
        return words
    }

    /// Names of one country that coders write differently, as one name (after lowercasing and splitting into
    /// words, so "U.S." is "u s").
    static let aliases: [String: String] = [
        "us": "united states", "u s": "united states", "usa": "united states", "u s a": "united states",
        "america": "united states", "united states of america": "united states",
        "uk": "united kingdom", "u k": "united kingdom", "britain": "united kingdom",
        "great britain": "united kingdom",
        "rok": "south korea", "republic of korea": "south korea", "dprk": "north korea",
        "democratic people s republic of korea": "north korea", "prc": "china", "people s republic of china": "china",
        "russian federation": "russia", "eu": "european union", "un": "united nations",
    ]

    /// An actor's name as compared: its words (``words(_:)``) after the aliases above, so "South Korean military"
    /// shares "south" and "korea" with "South Korea", and "U.S." is "United States".
    public static func actorWords(_ name: String) -> [String] {
        let raw = rawWords(name).map(\.text).joined(separator: " ")
        return words(aliases[raw] ?? raw)
    }

    /// How well two coded dates fit one happening, in 0...1; nil when either is missing.
    ///
    /// Two days: 1 when equal, 0.7 a day apart (a "Friday" read in two time zones), 0.3 up to three days apart,
    /// else 0. A coarser date that covers the other (`2025-07` and `2025-07-11`): 0.6, or 0.4 when one is a whole
    /// year: compatible, but it says little. Ranges that do not meet: 0.3 within three days, else 0. A 0 is a
    /// contradiction, which lowers the whole score (``MatchScorer``).
    static func dateFit(_ a: CodingDate.DayRange?, _ b: CodingDate.DayRange?) -> Double? {
        guard let a, let b else { return nil }
        if a.precision == .day && b.precision == .day {
            let gap = abs(a.first - b.first)
            return gap == 0 ? 1 : gap == 1 ? 0.7 : gap <= 3 ? 0.3 : 0
        }
        if a.first <= b.last && b.first <= a.last {
            return a.precision == .year || b.precision == .year ? 0.4 : 0.6
        }
        let gap = min(abs(a.first - b.last), abs(b.first - a.last))
        return gap <= 3 ? 0.3 : 0
    }
}
