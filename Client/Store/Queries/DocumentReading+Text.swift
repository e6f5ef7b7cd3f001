import ConcordCore

extension DocumentReading {
    /// How `concord doc show` marks evidence in the article.
    public enum Marking: Sendable {
        /// `[[the quote]][1,3]`: plain text, for pipes and files.
        case brackets
        /// Reverse video, followed by the event numbers dimmed: for a terminal.
        case ansi
    }

    /// The events' numbers in the listing (1-based, in ``events`` order) whose quote occurs nowhere in the text.
    public var quotesNotFound: [Int] {
        events.indices.filter { index in
            let quotes = events[index].evidence
            return !quotes.isEmpty && quotes.allSatisfy { Evidence.ranges(of: $0, in: text).isEmpty }
        }.map { $0 + 1 }
    }

    /// The article text with every event's evidence marked, and its number (1-based, in ``events`` order) after
    /// the quote. Overlapping quotes are marked once, with all their numbers. Control characters are shown
    /// escaped (``Swift/String/printable``), so an article cannot drive the terminal.
    public func markedText(_ marking: Marking) -> String {
        // Every quote's ranges, merged where they overlap or touch, each with the numbers of its events.
        var spans: [(range: Range<String.Index>, numbers: Set<Int>)] = []
        for (index, event) in events.enumerated() {
            for quote in event.evidence {
                for range in Evidence.ranges(of: quote, in: text) { spans.append((range, [index + 1])) }
            }
        }
        spans.sort { $0.range.lowerBound < $1.range.lowerBound }
        var merged: [(range: Range<String.Index>, numbers: Set<Int>)] = []
        for span in spans {
            if let last = merged.last, span.range.lowerBound <= last.range.upperBound {
                merged[merged.count - 1] = (
                    last.range.lowerBound..<max(last.range.upperBound, span.range.upperBound),
                    last.numbers.union(span.numbers)
                )
            } else {
                merged.append(span)
            }
        }
        var out = ""
        var position = text.startIndex
        for span in merged {
            out += String(text[position..<span.range.lowerBound]).printable
            let quote = String(text[span.range]).printable
            let numbers = "[" + span.numbers.sorted().map(String.init).joined(separator: ",") + "]"
            switch marking {
            case .brackets: out += "[[" + quote + "]]" + numbers
            case .ansi: out += "\u{1B}[7m" + quote + "\u{1B}[0m\u{1B}[2m" + numbers + "\u{1B}[0m"
            }
            position = span.range.upperBound
        }
        out += String(text[position...]).printable
        return out
    }
}

extension String {
    /// The text with control characters other than newline and tab (C0, DEL, C1) written as `\u{1b}`: safe to
    /// print to a terminal whatever an article or another analyst's field holds. Bidirectional controls (U+061C,
    /// U+200E/F, U+202A–E, U+2066–9), which reorder what a line seems to say, invisible characters (U+200B zero
    /// width space, U+2060 word joiner, U+FEFF) and the line and paragraph separators U+2028/9 are written the same
    /// way. Zero-width (non-)joiners U+200C/D are kept: Persian, Indic scripts and emoji need them.
    public var printable: String {
        guard unicodeScalars.contains(where: Self.isControl) else { return self }
        var out = ""
        for scalar in unicodeScalars {
            if Self.isControl(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x20 { return value != 0x0A && value != 0x09 }
        if value < 0x7F { return false }
        if value <= 0x9F { return true }
        switch value {
        case 0x061C, 0x200B, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2060, 0x2066...0x2069, 0xFEFF:
            return true
        default:
            return false
        }
    }
}
