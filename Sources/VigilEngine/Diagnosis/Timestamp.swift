import Foundation
import VigilKube

/// Times as reports print them: RFC 3339 in UTC, to the second (the audit log's to the millisecond).
public enum Timestamp {
    public static func utcMillis(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded(.down) - (seconds.rounded(.down) * 1000))
        let second = utc(seconds)
        return second.dropLast() + "." + String(format: "%03d", min(max(millis, 0), 999)) + "Z"
    }

    /// Seconds since the epoch of an RFC 3339 time (either form above), or nil.
    public static func seconds(_ text: String) -> Double? {
        KubeTime.seconds(text)
    }

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
