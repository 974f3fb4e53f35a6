import VigilKube

/// An Alertmanager alert as Vigil keeps it: identified by Alertmanager's fingerprint (a hash of its
/// labels), firing from `startsAt` until it resolves.
public struct Alert: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case firing, resolved
    }

    public var fingerprint: String
    public var status: Status
    public var labels: [String: String]
    public var annotations: [String: String]
    /// Seconds since the epoch, in whole milliseconds (``start(_:)``): the webhook writes nanoseconds, the
    /// API v2 milliseconds, and the one alert must be the same alert whichever path it came by (the book
    /// compares starts exactly).
    public var startsAt: Double
    /// Seconds since the epoch; nil while firing (Alertmanager sends `0001-01-01T00:00:00Z`).
    public var endsAt: Double?

    public init(
        fingerprint: String,
        status: Status,
        labels: [String: String],
        annotations: [String: String] = [:],
        startsAt: Double,
        endsAt: Double? = nil
    ) {
        self.fingerprint = fingerprint
        self.status = status
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
    }

    /// The seconds of an RFC 3339 `startsAt`, truncated to the millisecond as the API v2 writes it (Go's
    /// `RFC3339Millis` truncates; rounding made half of all starts written with more digits a different
    /// alert from the same one listed), or nil.
    public static func start(_ text: String) -> Double? {
        KubeTime.milliseconds(text).map { Double($0) / 1000 }
    }

    public var name: String { labels["alertname"] ?? "alert" }

    /// The incident severity its `severity` label asks for (warning unless it says critical or info).
    var severity: Finding.Severity {
        switch labels["severity"]?.lowercased() {
        case "critical", "page", "error": .critical
        case "info", "none": .info
        default: .warning
        }
    }

    /// What an incident shows of it: its summary (or description) annotation, else its labels.
    var message: String {
        let text = annotations["summary"] ?? annotations["description"] ?? annotations["message"]
        return "\(name) firing" + (text.map { ": \($0)" } ?? "")
    }
}
