import VigilCore

/// promtool's expanding notation for input series: `1+2x3` is 1 3 5 7, `5-1x2` is 5 4 3, `7x2` is 7 7 7,
/// `_` is a missing sample and `_x3` three of them, `stale` a staleness marker (the series ends there;
/// `stalex2` is three of them) and `NaN` an ordinary value, as PromQL reads them. Values are separated by
/// spaces.
public enum SeriesNotation {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The values, nil where a sample is missing. At most `limit` values: a typo like `1+1x1e9` must not
    /// allocate gigabytes.
    public static func expand(_ text: String, limit: Int = 1_000_000) throws(ParseError) -> [Double?] {
        var values: [Double?] = []
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            if token == "_" {
                values.append(nil)
                continue
            }
            guard let times = token.lastIndex(of: "x") else {
                guard let value = number(token) else { throw ParseError(description: "not a number: \"\(token)\"") }
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
                start = number(scalars[..<split])
                guard let magnitude = number(scalars[(split + 1)...]) else {
                    throw ParseError(description: "bad step in \"\(token)\"")
                }
                step = scalars[split] == "-" ? -magnitude : magnitude
            } else {
                start = number(head)
            }
            guard let start else { throw ParseError(description: "bad start in \"\(token)\"") }
            for index in 0...count {
                values.append(StalenessMarker.isMarker(start) ? start : start + Double(index) * step)
            }
        }
        return values
    }

    /// A value as PromQL's lexer reads one: a decimal or hexadecimal number, `Inf` or `NaN` in any case
    /// (signed), or `stale`; nil for anything else (Swift's `Double` also took `infinity`).
    static func number(_ text: some Collection<Character>) -> Double? {
        let text = String(text)
        if text == "stale" { return StalenessMarker.value }
        let unsigned = text.first == "+" || text.first == "-" ? text.dropFirst() : text[...]
        guard let first = unsigned.first, first.isASCII,
            first.isNumber || first == "." || ["inf", "nan"].contains(unsigned.lowercased())
        else { return nil }
        return Double(text)
    }
}
