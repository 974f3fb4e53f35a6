import VigilHTTP

/// A minimal JSON writer: enough for `vigil parse` and `vigil bench`, with number formatting under our
/// control (sample values are strings, as in Prometheus's HTTP API, so NaN and ±Inf survive).
struct JSONWriter {
    private(set) var text = ""

    mutating func raw(_ fragment: String) { text += fragment }

    mutating func string(_ value: String) { text += value.jsonLiteral }

    /// `"key":` inside an object, with a comma unless it is the first member.
    mutating func key(_ name: String, first: Bool = false) {
        if !first { text += "," }
        string(name)
        text += ":"
    }
}

/// Prometheus's rendering of a sample value: `NaN`, `+Inf`, `-Inf`, or the shortest round-trip decimal.
func prometheusValueText(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value == .infinity { return "+Inf" }
    if value == -.infinity { return "-Inf" }
    if value == value.rounded(), value.magnitude < 1e15 { return String(Int64(value)) }
    return "\(value)"
}
