/// promtool's expanding notation for input series: `1+2x3` is 1 3 5 7, `5-1x2` is 5 4 3, `7x2` is 7 7 7,
/// `_` is a missing sample and `_x3` three of them, `stale` a staleness marker (read here as missing).
/// Values are separated by spaces.
public enum SeriesNotation {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The values, nil where a sample is missing. At most `limit` values: a typo like `1+1x1e9` must not
    /// allocate gigabytes.
    public static func expand(_ text: String, limit: Int = 1_000_000) throws(ParseError) -> [Double?] {
        var values: [Double?] = []
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            if token == "_" || token == "stale" {
                values.append(nil)
                continue
            }
            guard let times = token.lastIndex(of: "x") else {
                guard let value = Double(token) else { throw ParseError(description: "not a number: \"\(token)\"") }
                values.append(value)
                continue
            }
            guard let count = Int(token[token.index(after: times)...]), count >= 0, values.count + count < limit else {
                throw ParseError(description: "bad repetition count in \"\(token)\" (at most \(limit) values)")
            }
            let head = token[..<times]
            if head == "_" {
                values += Array(repeating: nil, count: count)
                continue
            }
            // The sign that splits start and step is the last + or - that is not an exponent's or the start's.
            let scalars = Array(head)
            var split: Int?
            for index in scalars.indices.dropFirst() where scalars[index] == "+" || scalars[index] == "-" {
                if scalars[index - 1] != "e" && scalars[index - 1] != "E" { split = index }
            }
            let start: Double?
            var step = 0.0
            if let split {
                start = Double(String(scalars[..<split]))
                guard let magnitude = Double(String(scalars[(split + 1)...])) else {
                    throw ParseError(description: "bad step in \"\(token)\"")
                }
                step = scalars[split] == "-" ? -magnitude : magnitude
            } else {
                start = Double(String(head))
            }
            guard let start else { throw ParseError(description: "bad start in \"\(token)\"") }
            for index in 0...count { values.append(start + Double(index) * step) }
        }
        return values
    }
}
