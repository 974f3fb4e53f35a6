/// Prometheus's duration and size syntax, as its configuration files write them.
public enum DurationSyntax {
    /// Seconds in `1h30m`, `15s`, `500ms`, `2d`: one or more number-unit pairs, largest unit first
    /// (units: ms, s, m, h, d, w, y). Nil when `text` is not such a duration.
    public static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [
            ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800), ("y", 31_536_000),
        ]
        var rest = Substring(text)
        var total = 0.0
        var previousUnit = Double.infinity
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let number = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            // "ms" before "m": the longest unit that matches.
            guard
                let (name, size) = units.sorted(by: { $0.0.count > $1.0.count }).first(where: { rest.hasPrefix($0.0) }),
                size < previousUnit
            else { return nil }
            rest = rest.dropFirst(name.count)
            total += number * size
            previousUnit = size
        }
        return total
    }

    /// Bytes in `10MB`, `512KB`, `1GB`, `2048` (units: B, KB, MB, GB, TB; powers of 1024, as
    /// Prometheus's `body_size_limit` reads them). Nil when `text` is not a size.
    public static func bytes(_ text: String) -> Int? {
        let units: [(String, Int)] = [("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)]
        for (name, size) in units where text.hasSuffix(name) {
            guard let number = Int(text.dropLast(name.count)), number >= 0 else { return nil }
            return number * size
        }
        guard let number = Int(text), number >= 0 else { return nil }
        return number
    }
}
