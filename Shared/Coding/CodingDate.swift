/// Dates as analysts code them: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
public enum CodingDate {
    /// The day number (days since 1970-01-01, proleptic Gregorian) of the first day the date covers, or nil when
    /// the text is not one of the three forms or names no real day.
    ///
    /// `"2025"` covers the whole year and starts on 1 January; `"2025-07"` on 1 July; `"2024-02-29"` is a day of
    /// a leap year, `"2025-02-29"` and `"2025-13"` are nil.
    public static func firstDay(of text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count),
            let year = number(parts[0], digits: 4)
        else { return nil }
        var month = 1
        var day = 1
        if parts.count > 1 {
            guard let m = number(parts[1], digits: 2), (1...12).contains(m) else { return nil }
            month = m
        }
        if parts.count > 2 {
            guard let d = number(parts[2], digits: 2), (1...daysIn(month: month, year: year)).contains(d) else {
                return nil
            }
            day = d
        }
        return daysFromCivil(year: year, month: month, day: day)
    }

    /// The days a coded date covers: first and last day numbers and its precision.
    public struct DayRange: Equatable, Sendable {
        public enum Precision: String, Sendable { case year, month, day }
        public var first: Int
        public var last: Int
        public var precision: Precision
    }

    /// The days `text` covers (`2025` the whole year, `2025-07` the month, `2025-07-11` one day), or nil when it
    /// is not a coded date.
    public static func range(of text: String?) -> DayRange? {
        guard let text, let first = firstDay(of: text) else { return nil }
        let parts = text.split(separator: "-")
        switch parts.count {
        case 1:
            return DayRange(first: first, last: firstDay(of: "\(parts[0])-12-31")!, precision: .year)
        case 2:
            return DayRange(
                first: first, last: first + daysIn(month: Int(parts[1])!, year: Int(parts[0])!) - 1, precision: .month)
        default:
            return DayRange(first: first, last: first, precision: .day)
        }
    }

    /// `YYYY-MM-DD` for a day number.
    public static func text(ofDay day: Int) -> String {
        String(UTCTime.iso(millis: Int64(day) * 86_400_000).prefix(10))
    }

    static func number(_ text: Substring, digits: Int) -> Int? {
        guard text.utf8.count == digits, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(text)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's `days_from_civil`.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }
}

/// Dates as an article says them (protocol.md §17): `today`, `yesterday` or a weekday (`Friday`, `fri`, any case),
/// resolved against the article's publication date: a weekday is the latest such day on or before it (a Saturday
/// story's "on Friday" is the day before; a Friday story's "on Friday" is that day).
public enum RelativeDate {
    private static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// Whether `text` is one of the relative forms.
    public static func isRelative(_ text: String) -> Bool { offset(text) != nil }

    /// The day `text` names, as `YYYY-MM-DD`, for an article published on `published` (`YYYY-MM-DD`); nil when
    /// `text` is not relative or `published` is not a full day.
    public static func resolve(_ text: String, published: String) -> String? {
        guard published.split(separator: "-").count == 3, let day = CodingDate.firstDay(of: published),
            let offset = offset(text)
        else { return nil }
        let target: Int
        switch offset {
        case .today: target = day
        case .yesterday: target = day - 1
        case .weekday(let weekday):
            // 1970-01-01 was a Thursday (index 3, Monday = 0).
            let published = ((day % 7) + 7 + 3) % 7
            target = day - ((published - weekday + 7) % 7)
        }
        return CodingDate.text(ofDay: target)
    }

    private enum Offset {
        case today, yesterday
        case weekday(Int)
    }

    private static func offset(_ text: String) -> Offset? {
        let word = text.lowercased().filter { !$0.isWhitespace }
        if word == "today" { return .today }
        if word == "yesterday" { return .yesterday }
        guard word.count >= 3,
            let index = weekdays.firstIndex(where: { $0 == word || ($0.hasPrefix(word) && word.count == 3) })
        else { return nil }
        return .weekday(index)
    }
}
