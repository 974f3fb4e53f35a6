/// Prometheus's duration and size syntax, as its configuration files write them.
///
/// Both readers are bounded: a duration above ``maximumSeconds`` or a size above ``maximumBytes`` is
/// refused (nil), so a value from a user can never overflow where it is used (a `Duration`, nanoseconds
/// in an `Int64`, a byte count in an `Int`).
public enum DurationSyntax {
    /// The longest duration accepted: 100 years (`100y`).
    public static let maximumSeconds: Double = 100 * 31_536_000
    /// The largest size accepted: 1 EiB (`1EB`).
    public static let maximumBytes = 1 << 60

    /// What a text reads as: a value in range, a well-formed value out of range, or not the syntax.
    enum Reading<Value: Equatable>: Equatable {
        case value(Value)
        case tooLarge
        case invalid

        var value: Value? {
            if case .value(let value) = self { value } else { nil }
        }
    }

    /// Seconds in `1h30m`, `15s`, `500ms`, `2d`: one or more number-unit pairs, largest unit first
    /// (units: ms, s, m, h, d, w, y). Nil when `text` is not such a duration or exceeds 100 years.
    public static func seconds(_ text: String) -> Double? {
        readSeconds(text).value
    }

    /// Bytes in `10MB`, `512KB`, `1GB`, `2048` (units: B, KB, MB, GB, TB, PB, EB; powers of 1024, as
    /// Prometheus's `body_size_limit` reads them). Nil when `text` is not a size or exceeds 1 EiB.
    public static func bytes(_ text: String) -> Int? {
        readBytes(text).value
    }

    /// `seconds` as Prometheus writes a duration (`model.Duration.String`): whole milliseconds, each unit
    /// from the largest (`1m30s`, `1h`, `500ms`), years and weeks only where they divide it exactly
    /// (`90d`, not `12w6d`), and `0s` for none. `__scrape_interval__` and `__scrape_timeout__` read so.
    public static func text(seconds: Double) -> String {
        // To the nearest: a duration read as a sum (`1s7ms`: 1 + 7 × 0.001) is a hair under its milliseconds.
        var milliseconds = Int64((seconds * 1000).rounded())
        guard milliseconds > 0 else { return "0s" }
        let units: [(String, Int64, exact: Bool)] = [
            ("y", 31_536_000_000, true), ("w", 604_800_000, true), ("d", 86_400_000, false),
            ("h", 3_600_000, false), ("m", 60_000, false), ("s", 1000, false), ("ms", 1, false),
        ]
        var text = ""
        for (name, size, exact) in units where !exact || milliseconds % size == 0 {
            let count = milliseconds / size
            guard count > 0 else { continue }
            text += "\(count)\(name)"
            milliseconds -= count * size
        }
        return text
    }

    static func readSeconds(_ text: String) -> Reading<Double> {
        // "ms" before "m": the longest unit that matches.
        let units: [(String, Double)] = [
            ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800), ("y", 31_536_000),
        ]
        var rest = Substring(text)
        var total = 0.0
        var previousUnit = Double.infinity
        guard !rest.isEmpty else { return .invalid }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            // Double("9…9") is finite up to 308 digits and infinity beyond: never a trap, only too large.
            guard !digits.isEmpty, let number = Double(digits) else { return .invalid }
            rest = rest.dropFirst(digits.count)
            guard let (name, size) = units.first(where: { rest.hasPrefix($0.0) }), size < previousUnit else {
                return .invalid
            }
            rest = rest.dropFirst(name.count)
            total += number * size
            previousUnit = size
        }
        return total <= maximumSeconds ? .value(total) : .tooLarge
    }

    static func readBytes(_ text: String) -> Reading<Int> {
        let units: [(String, Int)] = [
            ("EB", 1 << 60), ("PB", 1 << 50), ("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10),
            ("B", 1),
        ]
        let (digits, size) =
            units.first { text.hasSuffix($0.0) }.map { (text.dropLast($0.0.count), $0.1) } ?? (Substring(text), 1)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .invalid }
        // All digits: Int(…) fails only when the number does not fit, which is too large as well.
        guard let number = Int(digits) else { return .tooLarge }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: size)
        return !overflow && bytes <= maximumBytes ? .value(bytes) : .tooLarge
    }
}
