/// A least-squares line through a signal's recent points: how fast it grows and how well a line fits,
/// for forecasts ("at this rate the volume is full in 3 h").
struct Trend {
    /// Units per second.
    var slope: Double
    /// The fitted value at the last point.
    var latest: Double
    /// R²: 1 is a perfect line.
    var fit: Double

    /// The trend of the points of `signal` in the `span` seconds before its end; nil with too few points.
    init?(_ signal: Signal, span: Double) {
        guard let end = signal.times.last else { return nil }
        let points = zip(signal.times, signal.values).filter { $0.0 >= end - span && $0.1.isFinite }
        guard points.count >= 10 else { return nil }
        let n = Double(points.count)
        let meanT = points.reduce(0) { $0 + $1.0 } / n
        let meanV = points.reduce(0) { $0 + $1.1 } / n
        var covariance = 0.0
        var varianceT = 0.0
        var varianceV = 0.0
        for (time, value) in points {
            covariance += (time - meanT) * (value - meanV)
            varianceT += (time - meanT) * (time - meanT)
            varianceV += (value - meanV) * (value - meanV)
        }
        guard varianceT > 0 else { return nil }
        slope = covariance / varianceT
        latest = meanV + slope * (end - meanT)
        fit = varianceV > 0 ? covariance * covariance / (varianceT * varianceV) : 0
    }

    /// Seconds until the line reaches `limit`, or nil when it does not grow towards it.
    func secondsUntil(_ limit: Double) -> Double? {
        guard slope > 0, latest < limit else { return latest >= limit ? 0 : nil }
        return (limit - latest) / slope
    }
}

/// "3h10m", "45m", "50s".
func durationText(_ seconds: Double) -> String {
    let total = Int(min(max(seconds, 0), 1e12).rounded())  // a forecast of "never" must not trap
    if total >= 3600 { return "\(total / 3600)h" + (total % 3600 >= 60 ? "\(total % 3600 / 60)m" : "") }
    if total >= 60 { return "\(total / 60)m" }
    return "\(total)s"
}
