/// The MASI distance between two sets (Passonneau 2006), the metric of α's `masi` level.
public enum MASI {
    /// `1 − J·M`, where J is the Jaccard index and M is 1 for identical sets, 2/3 when one is a subset of the
    /// other, 1/3 when they overlap otherwise and 0 when they are disjoint.
    ///
    /// The thirds are exact, as in Passonneau's paper and the reference vectors (NLTK's `masi_distance` rounds
    /// them to 0.67 and 0.33). Elements may repeat or come in any order. Two empty sets are identical (0).
    public static func distance(_ a: [String], _ b: [String]) -> Double {
        distance(sorted: SortedSets.make(a), SortedSets.make(b))
    }

    /// The distance between two sorted, duplicate-free arrays, by one merge.
    static func distance<Element: Comparable>(sorted a: [Element], _ b: [Element]) -> Double {
        let common = SortedSets.commonCount(a, b)
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
