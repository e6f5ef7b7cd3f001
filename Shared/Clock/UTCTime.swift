import Foundation

/// UTC text for timestamps a person reads (reports, `show --history`, notes), computed arithmetically (no
/// formatter, no locale, no time zone: two machines print the same bytes).
enum UTCTime {
    /// `YYYY-MM-DDTHH:MM:SSZ` for Unix milliseconds (truncated to the second).
    static func iso(millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        var days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2) + ":"
            + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2) + "Z"
    }

    /// `YYYY-MM-DD HH:MM:SS UTC` for Unix milliseconds: what the CLI prints where a person reads a time.
    static func readable(millis: Int64) -> String {
        let iso = iso(millis: millis)
        return iso.dropLast().replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    static func iso(_ date: Date) -> String {
        iso(millis: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    private static func pad(_ n: Int64, _ width: Int) -> String {
        let text = String(n)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

extension HLC {
    /// The reading's wall time as a person reads it (`2026-12-03 07:44:43 UTC`); the raw clock stays in `--json`.
    public var readable: String { UTCTime.readable(millis: millis) }

    /// The reading's wall time as ISO 8601 UTC (`2026-12-03T07:44:43Z`), for files other programs read.
    public var iso: String { UTCTime.iso(millis: millis) }
}
