import Foundation

/// Kubernetes timestamps: RFC 3339, with (`MicroTime`, `eventTime`) or without fractional seconds.
/// The forms Kubernetes and Alertmanager write — `2026-11-29T16:02:02Z`, a fraction, a `Z` or `±hh:mm`
/// offset — are read by hand (a watch stream carries several per object, a webhook two per alert, and
/// Foundation's formatter was a tenth of the webhook's time); anything else goes to the format styles,
/// values made once.
public enum KubeTime {
    private static let plain = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public static func parse(_ text: String) -> Date? {
        if let seconds = rfc3339(text) { return Date(timeIntervalSince1970: seconds) }
        return (try? plain.parse(text)) ?? (try? fractional.parse(text))
    }

    /// Seconds since the epoch, without the round trip through `Date`'s reference date.
    public static func seconds(_ text: String) -> Double? {
        rfc3339(text) ?? parse(text)?.timeIntervalSince1970
    }

    /// Whole milliseconds since the epoch, the fraction truncated as Go's `RFC3339Millis` writes it
    /// (Alertmanager's API): a time written with nanoseconds and the same time written to the millisecond
    /// give the same number. Exact, from the digits: a `Double`'s seconds times 1,000 can fall short.
    public static func milliseconds(_ text: String) -> Int? {
        guard let (seconds, nanoseconds) = rfc3339Parts(text) else { return nil }
        return seconds * 1000 + nanoseconds / 1_000_000
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, every field range-checked; nil for anything else.
    static func rfc3339(_ text: String) -> Double? {
        rfc3339Parts(text).map { Double($0.seconds) + Double($0.nanoseconds) / 1e9 }
    }

    /// Whole seconds since the epoch and the fraction's nanoseconds (digits past the ninth ignored).
    private static func rfc3339Parts(_ text: String) -> (seconds: Int, nanoseconds: Int)? {
        var text = text
        return text.withUTF8 { bytes -> (seconds: Int, nanoseconds: Int)? in
            var position = 0
            func number(_ digits: Int) -> Int? {
                guard position + digits <= bytes.count else { return nil }
                var value = 0
                for _ in 0..<digits {
                    let digit = Int(bytes[position]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                    position += 1
                }
                return value
            }
            func take(_ byte: UInt8) -> Bool {
                guard position < bytes.count, bytes[position] == byte else { return false }
                position += 1
                return true
            }
            guard let year = number(4), take(UInt8(ascii: "-")), let month = number(2), take(UInt8(ascii: "-")),
                let day = number(2), take(UInt8(ascii: "T")), let hour = number(2), take(UInt8(ascii: ":")),
                let minute = number(2), take(UInt8(ascii: ":")), let second = number(2),
                (1...12).contains(month), (1...daysIn(month, of: year)).contains(day), hour < 24, minute < 60,
                second < 60
            else { return nil }
            var nanoseconds = 0
            if take(UInt8(ascii: ".")) {
                var scale = 100_000_000
                let start = position
                while position < bytes.count, (48...57).contains(bytes[position]), position - start < 18 {
                    nanoseconds += Int(bytes[position] - 48) * scale
                    scale /= 10
                    position += 1
                }
                guard position > start else { return nil }
            }
            var offset = 0
            if !take(UInt8(ascii: "Z")) {
                let sign: Int
                if take(UInt8(ascii: "+")) {
                    sign = 1
                } else if take(UInt8(ascii: "-")) {
                    sign = -1
                } else {
                    return nil
                }
                guard let hours = number(2), take(UInt8(ascii: ":")), let minutes = number(2), hours < 24, minutes < 60
                else { return nil }
                offset = sign * (hours * 3600 + minutes * 60)
            }
            guard position == bytes.count else { return nil }
            let whole = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset
            return (whole, nanoseconds)
        }
    }

    private static func daysIn(_ month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
