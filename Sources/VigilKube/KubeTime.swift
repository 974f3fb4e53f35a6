import Foundation

/// Kubernetes timestamps: RFC 3339, with (`MicroTime`, `eventTime`) or without fractional seconds. The
/// format styles are values, made once, so reading a watch stream's timestamps creates no formatter
/// per object.
public enum KubeTime {
    private static let plain = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public static func parse(_ text: String) -> Date? {
        (try? plain.parse(text)) ?? (try? fractional.parse(text))
    }
}
