#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `Date` header of a response, in RFC 9110's IMF-fixdate form: `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// Formatted per response from `gmtime_r`, not cached by a timer: Vigil answers a few requests a
/// minute, and a once-a-second refresh task (Hummingbird's `Application` runs one) woke an idle
/// sidecar sixty times a minute, for more CPU than its scrapes cost.
enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The header value for `secondsSince1970` (UTC).
    static func format(secondsSince1970: Int) -> String {
        var seconds = time_t(secondsSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func twoDigits(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[Int(parts.tm_wday)]), \(twoDigits(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec)) GMT"
    }

    /// The header value for now.
    static var now: String { format(secondsSince1970: time(nil)) }
}
