/// Krippendorff's α and percent agreement over a reliability matrix (protocol.md §11).
///
/// The matrix is `data[coder][unit]`, nil where a coder gave no value; rows may differ in length (a missing
/// entry is nil). Only *pairable* values count: those in units where at least two coders gave a value.
///
/// α is computed the standard way: with the coincidences `o_ck` (each ordered pair of values from different
/// coders in unit u adds `1/(m_u − 1)`) and the marginals `n_c`,
/// `α = 1 − (n − 1) · Σ o_ck δ²(c,k) / Σ n_c n_k δ²(c,k)`.
/// It reproduces the `krippendorff` package (0.9.0) on `alpha-vectors.json` within 1e-9.
public enum Krippendorff {
    /// α for the matrix at the given level, or nil where it is undefined: no unit with two values, or no expected
    /// disagreement (every pairable value alike).
    ///
    /// How each level reads a value:
    /// - `nominal`: the value itself (labels and sets alike; equal or not).
    /// - `ordinal`: the rank of a label in `order` (lowest first); labels not in `order`, and sets, are ignored.
    /// - `interval`: a label that ``CodingDate/firstDay(of:)`` parses is that day number; otherwise a decimal
    ///   number label (`"3"`, `"-1.5"`) is that number; anything else, and sets, are ignored. So `"2025"` is the
    ///   year's first day, never the number 2025.
    /// - `masi`: a set's elements (a label is the set of itself), compared with ``MASI/distance(_:_:)``.
    ///
    /// Ignored values count as absent, which can leave a unit unpairable.
    public static func alpha(_ data: [[CodedValue?]], level: AlphaLevel, order: [String] = []) -> Double? {
        switch level {
        case .nominal:
            return alpha(units(data, reading: { $0 }), expected: nominalExpected, distance: { $0 == $1 ? 0 : 1 })
        case .ordinal:
            let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            let table = units(data, reading: { $0.label.flatMap { rank[$0] } })
            return ordinalAlpha(table, ranks: order.count)
        case .interval:
            let table = units(data, reading: { $0.label.flatMap(intervalNumber) })
            return alpha(table, expected: intervalExpected, distance: { ($0 - $1) * ($0 - $1) })
        case .masi:
            // Elements become numbers first: the expected disagreement compares every two distinct sets.
            var numbers: [String: Int] = [:]
            let table = units(data) { value in
                SortedSets.make(
                    value.elements.map { element in
                        if let number = numbers[element] { return number }
                        numbers[element] = numbers.count
                        return numbers.count - 1
                    })
            }
            let distance: ([Int], [Int]) -> Double = MASI.distance(sorted:_:)
            return alpha(table, expected: pairwiseExpected(distance), distance: distance)
        }
    }

    /// The share (0...1) of agreeing pairs among all unordered pairs of values from different coders within
    /// pairable units, pooled over units; nil when no unit has two values. Values agree when they are equal.
    public static func percentAgreement(_ data: [[CodedValue?]]) -> Double? {
        var pairs = 0
        var agreeing = 0
        for unit in units(data, reading: { $0 }) {
            for i in unit.indices {
                for j in unit.indices where j > i {
                    pairs += 1
                    if unit[i] == unit[j] { agreeing += 1 }
                }
            }
        }
        return pairs == 0 ? nil : Double(agreeing) / Double(pairs)
    }

    /// The number an interval label stands for: a date's first day, else a decimal number.
    static func intervalNumber(_ label: String) -> Double? {
        if let day = CodingDate.firstDay(of: label) { return Double(day) }
        guard let number = Double(label), number.isFinite else { return nil }
        return number
    }

    /// The pairable units: for each unit with at least two readable values, those values.
    static func units<Value>(_ data: [[CodedValue?]], reading read: (CodedValue) -> Value?) -> [[Value]] {
        let width = data.map(\.count).max() ?? 0
        var result: [[Value]] = []
        for unit in 0..<width {
            var values: [Value] = []
            for row in data where unit < row.count {
                if let value = row[unit], let read = read(value) { values.append(read) }
            }
            if values.count >= 2 { result.append(values) }
        }
        return result
    }

    /// α from pairable units, a function giving `Σ_{c,k} n_c n_k δ²(c,k)` from the distinct pairable values and
    /// their counts (in order of first appearance, so sums are reproducible), and δ².
    static func alpha<Value: Hashable>(
        _ units: [[Value]], expected: ([(value: Value, count: Int)]) -> Double, distance: (Value, Value) -> Double
    ) -> Double? {
        guard !units.isEmpty else { return nil }
        var index: [Value: Int] = [:]
        var counts: [(value: Value, count: Int)] = []
        var observed = 0.0
        for unit in units {
            var sum = 0.0
            for i in unit.indices {
                if let at = index[unit[i]] {
                    counts[at].count += 1
                } else {
                    index[unit[i]] = counts.count
                    counts.append((unit[i], 1))
                }
                for j in unit.indices where j > i { sum += 2 * distance(unit[i], unit[j]) }
            }
            observed += sum / Double(unit.count - 1)
        }
        let n = counts.reduce(0) { $0 + $1.count }
        let disagreement = expected(counts)
        guard disagreement > 0 else { return nil }
        return 1 - Double(n - 1) * observed / disagreement
    }

    /// Ordinal α: δ²(c,k) = (Σ_{g=c…k} n_g − (n_c + n_k)/2)² over ranks, from the marginals of pairable values.
    static func ordinalAlpha(_ units: [[Int]], ranks: Int) -> Double? {
        var marginals = [Double](repeating: 0, count: ranks)
        for unit in units { for rank in unit { marginals[rank] += 1 } }
        var cumulative = [0.0]
        for n in marginals { cumulative.append(cumulative.last! + n) }
        let distance = { (c: Int, k: Int) -> Double in
            let (low, high) = c <= k ? (c, k) : (k, c)
            let d = cumulative[high + 1] - cumulative[low] - (marginals[low] + marginals[high]) / 2
            return d * d
        }
        let expected = { (_: [(value: Int, count: Int)]) -> Double in
            var sum = 0.0
            for c in 0..<ranks where marginals[c] > 0 {
                for k in (c + 1)..<ranks where marginals[k] > 0 {
                    sum += 2 * marginals[c] * marginals[k] * distance(c, k)
                }
            }
            return sum
        }
        return alpha(units, expected: expected, distance: distance)
    }

    /// Nominal: `Σ_{c≠k} n_c n_k = n² − Σ n_c²`, exact in integers.
    static func nominalExpected<Value>(_ counts: [(value: Value, count: Int)]) -> Double {
        let n = counts.reduce(0) { $0 + $1.count }
        return Double(n * n - counts.reduce(0) { $0 + $1.count * $1.count })
    }

    /// Interval: `Σ_{c,k} n_c n_k (c − k)² = 2n · Σ n_c (c − mean)²`, centred so large day numbers lose nothing.
    static func intervalExpected(_ counts: [(value: Double, count: Int)]) -> Double {
        let n = Double(counts.reduce(0) { $0 + $1.count })
        let mean = counts.reduce(0.0) { $0 + $1.value * Double($1.count) } / n
        let spread = counts.reduce(0.0) { $0 + Double($1.count) * ($1.value - mean) * ($1.value - mean) }
        return 2 * n * spread
    }

    /// Any metric: every pair of distinct values, quadratic in their number.
    static func pairwiseExpected<Value: Hashable>(
        _ distance: @escaping (Value, Value) -> Double
    ) -> ([(value: Value, count: Int)]) -> Double {
        { counts in
            var sum = 0.0
            for i in counts.indices {
                for j in counts.indices where j > i {
                    sum += 2 * Double(counts[i].count * counts[j].count) * distance(counts[i].value, counts[j].value)
                }
            }
            return sum
        }
    }
}
