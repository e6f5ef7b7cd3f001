/// The MASI distance between two sets (Passonneau 2006), the metric of α's `masi` level.
public enum MASI {
    /// `1 − J·M`, where J is the Jaccard index and M is 1 for identical sets, 2/3 when one is a subset of the
    /// other, 1/3 when they overlap otherwise and 0 when they are disjoint.
    ///
    /// The thirds are exact, as in Passonneau's paper and the reference vectors (NLTK's `masi_distance` rounds
    /// them to 0.67 and 0.33). Elements may repeat or come in any order. Two empty sets are identical (0).
    public static func distance(_ a: [String], _ b: [String]) -> Double {
        distance(sorted: normalized(a), normalized(b))
    }

    /// Elements sorted and deduplicated, as ``distance(sorted:_:)`` wants them.
    static func normalized<Element: Comparable>(_ elements: [Element]) -> [Element] {
        var result = elements.sorted()
        var kept = 0
        for element in result where kept == 0 || result[kept - 1] != element {
            result[kept] = element
            kept += 1
        }
        result.removeLast(result.count - kept)
        return result
    }

    /// The distance between two sorted, duplicate-free arrays, by one merge.
    static func distance<Element: Comparable>(sorted a: [Element], _ b: [Element]) -> Double {
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
        if common == a.count && common == b.count { return 0 }
        let union = a.count + b.count - common
        let monotonicity: Double =
            if common == min(a.count, b.count) {
                2.0 / 3.0
            } else if common > 0 {
                1.0 / 3.0
            } else {
                0
            }
        return 1 - Double(common) / Double(union) * monotonicity
    }
}
