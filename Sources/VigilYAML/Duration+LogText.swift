extension Duration {
    /// The duration as Prometheus's own logs write one (Go's `time.Duration.String`): `412.5µs`, `2.41ms`,
    /// `1.25s`, `1m30s`, `2h0m5s` — where Swift's description says `0.0024125 seconds`, which nobody reads
    /// at a glance. Exact to the nanosecond, trailing zeros dropped.
    public var logText: String {
        let (seconds, attoseconds) = components
        // Saturated past Int64's nanoseconds (292 years): a log line never traps.
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, carried) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        let nanoseconds = overflow || carried ? (seconds < 0 ? Int64.min : Int64.max) : sum
        guard nanoseconds != 0 else { return "0s" }
        let sign = nanoseconds < 0 ? "-" : ""
        let size = nanoseconds.magnitude
        if size < 1_000 { return "\(sign)\(size)ns" }
        if size < 1_000_000 { return sign + Self.decimal(size, unit: 1_000) + "µs" }
        if size < 1_000_000_000 { return sign + Self.decimal(size, unit: 1_000_000) + "ms" }
        let hours = size / 3_600_000_000_000
        let minutes = size / 60_000_000_000 % 60
        let rest = Self.decimal(size % 60_000_000_000, unit: 1_000_000_000) + "s"
        return sign + (hours > 0 ? "\(hours)h\(minutes)m" : minutes > 0 ? "\(minutes)m" : "") + rest
    }

    /// `value / unit` in decimal, as many places as `unit` has zeros, trailing zeros dropped.
    private static func decimal(_ value: UInt64, unit: UInt64) -> String {
        let whole = value / unit
        let rest = value % unit
        guard rest > 0 else { return "\(whole)" }
        let places = String(unit).count - 1
        var digits = String(rest)
        digits = String(repeating: "0", count: places - digits.count) + digits
        while digits.last == "0" { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
