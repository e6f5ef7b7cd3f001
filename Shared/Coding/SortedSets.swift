/// Sets held as sorted, duplicate-free arrays: what MASI and the match scorer compare, by one merge each.
enum SortedSets {
    /// `elements` sorted and deduplicated.
    static func make<Element: Comparable>(_ elements: [Element]) -> [Element] {
        var result = elements.sorted()
        var kept = 0
        for element in result where kept == 0 || result[kept - 1] != element {
            result[kept] = element
            kept += 1
        }
        result.removeLast(result.count - kept)
        return result
    }

    /// How many elements two sorted, duplicate-free arrays share.
    static func commonCount<Element: Comparable>(_ a: [Element], _ b: [Element]) -> Int {
        var i = 0
        var j = 0
        var common = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] {
                common += 1
                i += 1
                j += 1
            } else if a[i] < b[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return common
    }
}
