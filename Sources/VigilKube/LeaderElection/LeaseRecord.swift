import Foundation

/// The spec of a `coordination.k8s.io/v1` Lease as leader election reads and writes it (client-go's
/// `LeaderElectionRecord`): who holds it, for how long, since when, last renewed when, and how often it
/// changed hands.
public struct LeaseRecord: Sendable, Equatable {
    /// Empty: nobody holds it (released).
    public var holderIdentity: String
    public var leaseDurationSeconds: Int
    public var acquireTime: Date?
    public var renewTime: Date?
    public var leaseTransitions: Int

    public init(
        holderIdentity: String,
        leaseDurationSeconds: Int,
        acquireTime: Date?,
        renewTime: Date?,
        leaseTransitions: Int
    ) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }

    /// The record in a Lease object's `spec`.
    init(spec: [String: Any]) {
        holderIdentity = spec["holderIdentity"] as? String ?? ""
        leaseDurationSeconds = spec["leaseDurationSeconds"] as? Int ?? 0
        acquireTime = (spec["acquireTime"] as? String).flatMap(Self.parseMicroTime)
        renewTime = (spec["renewTime"] as? String).flatMap(Self.parseMicroTime)
        leaseTransitions = spec["leaseTransitions"] as? Int ?? 0
    }

    /// The `spec` of a Lease carrying this record, times as Kubernetes's `MicroTime` (RFC 3339, microseconds).
    var spec: [String: Any] {
        var spec: [String: Any] = [
            "holderIdentity": holderIdentity, "leaseDurationSeconds": leaseDurationSeconds,
            "leaseTransitions": leaseTransitions,
        ]
        if let acquireTime { spec["acquireTime"] = Self.microTime(acquireTime) }
        if let renewTime { spec["renewTime"] = Self.microTime(renewTime) }
        return spec
    }

    /// `2026-12-03T04:05:06.123456Z`.
    static func microTime(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let seconds = micros.quotient(dividingBy: 1_000_000)
        let fraction = micros - seconds * 1_000_000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec),
            Int(fraction)
        )
    }

    /// RFC 3339 with or without a fraction; nil when it is not one.
    static func parseMicroTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    fileprivate func quotient(dividingBy divisor: Int64) -> Int64 {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
