import ConcordCore
import Foundation
import Testing

/// Krippendorff's α against `../shared/alpha-vectors.json` (computed by the `krippendorff` package) and small
/// examples worked by hand; MASI and coded dates, which α's levels rest on.
@Suite("Krippendorff's alpha")
struct AlphaVectorTests {
    struct Vector: CustomTestStringConvertible, Sendable {
        var name: String
        var level: AlphaLevel
        var order: [String]
        var data: [[CodedValue?]]
        var alpha: Double?
        var testDescription: String { name }
    }

    /// The vectors, read with `JSONSerialization` because cells are strings, arrays, numbers or null. A number
    /// becomes the label of its decimal text (`3` → `"3"`), which the interval level reads back as a number;
    /// a level such as `"interval (date: …)"` is the interval level.
    static let vectors: [Vector] = {
        let url = Bundle.module.url(forResource: "alpha-vectors", withExtension: "json")!
        let file = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return (file["vectors"] as! [[String: Any]]).map { vector in
            let levelText = vector["level"] as! String
            let level = levelText.hasPrefix("interval") ? .interval : AlphaLevel(rawValue: levelText)!
            let rows = vector["data"] as! [[Any]]
            return Vector(
                name: vector["name"] as! String, level: level, order: vector["order"] as? [String] ?? [],
                data: rows.map { $0.map(cell) }, alpha: vector["alpha"] as? Double)
        }
    }()

    static func cell(_ value: Any) -> CodedValue? {
        switch value {
        case let text as String: return .label(text)
        case let elements as [String]: return .set(fromUnsorted: elements)
        case let number as NSNumber:
            let double = number.doubleValue
            return .label(double == double.rounded() ? String(Int(double)) : String(double))
        default: return nil
        }
    }

    @Test("the vector file covers every level and the undefined cases")
    func vectorFileIsComplete() {
        #expect(Self.vectors.count >= 19)
        #expect(Set(Self.vectors.map(\.level)) == Set(AlphaLevel.allCases))
        #expect(Self.vectors.contains { $0.alpha == nil })
        #expect(Self.vectors.contains { $0.name == "krippendorff-2011-interval" && $0.data[0][0] == .label("1") })
    }

    @Test("each vector's alpha is reproduced within 1e-9, and null where undefined", arguments: vectors)
    func vectorMatches(_ vector: Vector) throws {
        let alpha = Krippendorff.alpha(vector.data, level: vector.level, order: vector.order)
        if let expected = vector.alpha {
            let got = try #require(alpha, "\(vector.name): α undefined")
            #expect(abs(got - expected) < 1e-9, "\(vector.name): \(got) ≠ \(expected)")
        } else {
            #expect(alpha == nil, "\(vector.name)")
        }
    }

    @Test("nominal alpha of a tiny matrix matches the hand computation 1 − 5·2/18")
    func nominalByHand() throws {
        let data: [[CodedValue?]] = [
            [.label("a"), .label("a"), .label("b")], [.label("a"), .label("b"), .label("b")],
        ]
        let alpha = try #require(Krippendorff.alpha(data, level: .nominal))
        #expect(abs(alpha - (1 - 10.0 / 18)) < 1e-12)
    }

    @Test("interval alpha of numbers matches the hand computation 1 − 3·2/22")
    func intervalByHand() throws {
        let data: [[CodedValue?]] = [[.label("1"), .label("2")], [.label("1"), .label("3")]]
        let alpha = try #require(Krippendorff.alpha(data, level: .interval))
        #expect(abs(alpha - (1 - 6.0 / 22)) < 1e-12)
    }

    @Test("ordinal alpha weighs ranks by the marginals, matching the hand computation 1 − 3·2/36")
    func ordinalByHand() throws {
        let data: [[CodedValue?]] = [[.label("low"), .label("high")], [.label("low"), .label("medium")]]
        let alpha = try #require(Krippendorff.alpha(data, level: .ordinal, order: ["low", "medium", "high"]))
        #expect(abs(alpha - (1 - 1.0 / 6)) < 1e-12)
    }

    @Test("ordinal labels outside the order are ignored, which can leave no unit")
    func ordinalIgnoresUnknownLabels() {
        let data: [[CodedValue?]] = [[.label("low"), .label("high")], [.label("bogus"), .label("HIGH")]]
        let order = ["low", "medium", "high"]
        #expect(Krippendorff.alpha(data, level: .ordinal, order: order) == nil)
        #expect(Krippendorff.alpha(data, level: .ordinal, order: []) == nil)
    }

    @Test("interval reads dates as their first day, and a year is a date, not a number")
    func intervalReadsDates() throws {
        let months: [[CodedValue?]] = [
            [.label("2025-01"), .label("2025-03")], [.label("2025-01-01"), .label("2025-03-01")],
        ]
        #expect(Krippendorff.alpha(months, level: .interval) == 1)
        let mixed: [[CodedValue?]] = [[.label("2025"), .label("20000")], [.label("2025-01-01"), .label("20000")]]
        #expect(Krippendorff.alpha(mixed, level: .interval) == 1)
        let unparsable: [[CodedValue?]] = [[.label("soon"), .label("2025-02-30")], [.label("2025"), .label("2025")]]
        #expect(Krippendorff.alpha(unparsable, level: .interval) == nil)
    }

    @Test("alpha is undefined without a pairable unit or without variation")
    func undefinedAlpha() {
        #expect(Krippendorff.alpha([], level: .nominal) == nil)
        #expect(Krippendorff.alpha([[.label("a"), nil], [nil, .label("b")]], level: .nominal) == nil)
        #expect(Krippendorff.alpha([[.label("a"), .label("a")], [.label("a"), .label("a")]], level: .nominal) == nil)
        let sets: [[CodedValue?]] = [[.set(["x", "y"])], [.set(["x", "y"])]]
        #expect(Krippendorff.alpha(sets, level: .masi) == nil)
    }

    @Test("rows of different lengths read missing cells as no value")
    func raggedRows() {
        let data: [[CodedValue?]] = [[.label("a"), .label("b"), .label("c")], [.label("a"), .label("b")]]
        #expect(Krippendorff.alpha(data, level: .nominal) == 1)
    }

    @Test("percent agreement pools unordered pairs over pairable units")
    func percentAgreement() {
        let two: [[CodedValue?]] = [
            [.label("a"), .label("a"), .label("b"), nil], [.label("a"), .label("b"), .label("b"), .label("c")],
        ]
        #expect(Krippendorff.percentAgreement(two) == 2.0 / 3)
        let three: [[CodedValue?]] = [[.label("a")], [.label("a")], [.label("b")]]
        #expect(Krippendorff.percentAgreement(three) == 1.0 / 3)
        #expect(Krippendorff.percentAgreement([[.label("a"), nil], [nil, .label("a")]]) == nil)
    }

    @Test("MASI is 0 for identical sets, 1 − J·2/3 for a subset, 1 − J/3 for an overlap and 1 when disjoint")
    func masiDistance() {
        #expect(MASI.distance(["a", "b"], ["b", "a", "a"]) == 0)
        #expect(MASI.distance([], []) == 0)
        #expect(abs(MASI.distance(["a", "b"], ["a"]) - (1 - 0.5 * 2 / 3)) < 1e-15)
        #expect(abs(MASI.distance(["a", "b"], ["b", "c"]) - (1 - 1.0 / 3 / 3)) < 1e-15)
        #expect(MASI.distance(["a"], ["b"]) == 1)
        #expect(MASI.distance(["a"], []) == 1)
    }

    @Test("a set value is sorted and deduplicated")
    func setValue() {
        #expect(CodedValue.set(fromUnsorted: ["USA", "KOR", "USA"]) == .set(["KOR", "USA"]))
        #expect(CodedValue.label("x").elements == ["x"])
    }

    @Test("coded dates count days from 1970-01-01 at the first day they cover")
    func codingDates() {
        #expect(CodingDate.firstDay(of: "1970-01-01") == 0)
        #expect(CodingDate.firstDay(of: "2025-07-11") == 20280)
        #expect(CodingDate.firstDay(of: "2025-07") == CodingDate.firstDay(of: "2025-07-01"))
        #expect(CodingDate.firstDay(of: "2025") == 20089)
        #expect(CodingDate.firstDay(of: "2024-02-29") == 19782)
        #expect(CodingDate.firstDay(of: "2000-02-29") == 11016)
        #expect(CodingDate.firstDay(of: "0001-01-01") == -719162)
        #expect(CodingDate.firstDay(of: "1969-12-31") == -1)
    }

    @Test(
        "text that names no real day is no date",
        arguments: [
            "", "2025-02-29", "1900-02-29", "2025-13", "2025-00", "2025-04-31", "2025-7", "25-07", "2025-07-11-01",
            "2025/07", "２０２５", "July 2025", "2025-07-1x",
        ])
    func invalidDates(_ text: String) {
        #expect(CodingDate.firstDay(of: text) == nil)
    }
}
