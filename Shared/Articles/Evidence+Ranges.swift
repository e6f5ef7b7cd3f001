extension Evidence {
    /// Every place `quote` occurs in `text`, compared as ``occurs(_:in:)`` compares (whitespace runs as one space,
    /// typographic quotes and dashes folded), as ranges of the original text: what `concord doc show` highlights.
    /// Occurrences do not overlap; the first one found wins.
    public static func ranges(of quote: String, in text: String) -> [Range<String.Index>] {
        let wanted = Array(normalize(quote))
        guard !wanted.isEmpty else { return [] }
        // The normalised text, one character at a time, with the original range each one stands for.
        var characters: [Character] = []
        var origins: [Range<String.Index>] = []
        var pendingSpace: Range<String.Index>?
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            let character = text[index]
            if character.isWhitespace {
                if !characters.isEmpty && pendingSpace == nil { pendingSpace = index..<next }
            } else {
                if let space = pendingSpace {
                    characters.append(" ")
                    origins.append(space)
                    pendingSpace = nil
                }
                characters.append(fold(character))
                origins.append(index..<next)
            }
            index = next
        }
        var found: [Range<String.Index>] = []
        var start = 0
        while start + wanted.count <= characters.count {
            if characters[start] == wanted[0] && characters[start..<(start + wanted.count)].elementsEqual(wanted) {
                found.append(origins[start].lowerBound..<origins[start + wanted.count - 1].upperBound)
                start += wanted.count
            } else {
                start += 1
            }
        }
        return found
    }
}
