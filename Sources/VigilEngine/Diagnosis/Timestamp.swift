import Foundation

/// Times as reports print them: RFC 3339 in UTC, to the second.
public enum Timestamp {
    public static func utc(_ seconds: Double) -> String {
        // Years 0001 to 9999 only: a timestamp from a hostile file must not trap the conversion.
        var time = time_t(min(max(seconds, -62_135_596_800), 253_402_300_799).rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec)
        )
    }
}
