import VigilCore

/// A PromQL series selector — `name{label="v", label=~"re", label!="v", label!~"re"}` — parsed once and
/// matched against label sets, with PromQL's semantics: regexes take Go's RE2 syntax, are anchored at both
/// ends with `.` matching a newline, and are matched code point by code point (as Go's RE2 matches runes)
/// (``RE2``, as relabelling compiles them); a missing label reads as the
/// empty string.
public struct SeriesSelector: Sendable, CustomStringConvertible {
    public enum Operator: String, Sendable {
        case equal = "="
        case notEqual = "!="
        case matches = "=~"
        case notMatches = "!~"
    }

    public struct Matcher: Sendable {
        public var label: String
        public var op: Operator
        public var value: String
        let regex: RE2?

        func matches(_ actual: String) -> Bool {
            switch op {
            // Byte for byte, as Go compares strings: Swift's == takes "é" and "e" + U+0301 as equal.
            case .equal: actual.utf8.elementsEqual(value.utf8)
            case .notEqual: !actual.utf8.elementsEqual(value.utf8)
            case .matches: regex?.matches(actual) == true
            case .notMatches: regex?.matches(actual) != true
            }
        }
    }

    public let matchers: [Matcher]
    public let description: String

    /// The metric name when the selector names exactly one (`name{…}` or `{__name__="name"}`).
    public var metricName: String? {
        matchers.first { $0.label == "__name__" && $0.op == .equal }?.value
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// 1-based column of the problem within the selector.
        public var column: Int
        public var message: String
        public var description: String { message }
    }

    /// Parses `text`; fails with the column and PromQL-like wording of the first problem.
    public init(_ text: String) throws(ParseError) {
        description = text
        var scanner = SelectorScanner(Array(text.unicodeScalars))
        var matchers: [Matcher] = []
        scanner.skipSpaces()
        let name = scanner.identifier(allowColons: true)
        if !name.isEmpty {
            matchers.append(Matcher(label: "__name__", op: .equal, value: name, regex: nil))
        }
        scanner.skipSpaces()
        if scanner.take("{") {
            scanner.skipSpaces()
            while !scanner.take("}") {
                let label = scanner.identifier(allowColons: false)
                guard !label.isEmpty else { throw scanner.error("expected a label name") }
                scanner.skipSpaces()
                guard let op = scanner.operator() else {
                    throw scanner.error("expected one of =, !=, =~, !~ after \"\(label)\"")
                }
                scanner.skipSpaces()
                let valueColumn = scanner.position + 1
                let value = try scanner.quoted()
                var regex: RE2?
                if op == .matches || op == .notMatches {
                    do {
                        regex = try RE2(value, standalone: true)
                    } catch {
                        throw ParseError(
                            column: valueColumn,
                            message: "invalid regular expression \"\(value)\": \(error)"
                        )
                    }
                }
                // PromQL's parser: `foo{__name__="bar"}` names the metric twice (and could match nothing).
                if label == "__name__", !name.isEmpty {
                    throw ParseError(
                        column: 1,
                        message: "metric name must not be set twice: \"\(name)\" or \"\(value)\""
                    )
                }
                matchers.append(Matcher(label: label, op: op, value: value, regex: regex))
                scanner.skipSpaces()
                if scanner.take(",") {
                    scanner.skipSpaces()
                    continue
                }
                guard scanner.peek == "}" else { throw scanner.error("expected \",\" or \"}\"") }
            }
        }
        scanner.skipSpaces()
        guard scanner.atEnd else { throw scanner.error("unexpected text after the selector") }
        // PromQL refuses a selector that matches everything, including the empty label set.
        guard matchers.contains(where: { !$0.matches("") }) else {
            throw ParseError(column: 1, message: "vector selector must contain at least one non-empty matcher")
        }
        self.matchers = matchers
    }

    /// Whether a series with these labels (`__name__` included) is selected.
    public func matches(_ labels: [String: String]) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.label] ?? "") }
    }
}

/// The selector's lexer: identifiers, operators and Go-style quoted strings.
private struct SelectorScanner {
    let scalars: [Unicode.Scalar]
    var position = 0

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    var atEnd: Bool { position >= scalars.count }
    var peek: Unicode.Scalar? { atEnd ? nil : scalars[position] }

    func error(_ message: String) -> SeriesSelector.ParseError {
        SeriesSelector.ParseError(column: position + 1, message: message)
    }

    mutating func skipSpaces() {
        while let scalar = peek, scalar == " " || scalar == "\t" || scalar == "\n" { position += 1 }
    }

    mutating func take(_ scalar: Unicode.Scalar) -> Bool {
        guard peek == scalar else { return false }
        position += 1
        return true
    }

    mutating func identifier(allowColons: Bool) -> String {
        var text = String.UnicodeScalarView()
        while let scalar = peek {
            let letter = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_"
            let digit = scalar >= "0" && scalar <= "9"
            guard letter || (digit && !text.isEmpty) || (allowColons && scalar == ":") else { break }
            text.append(scalar)
            position += 1
        }
        return String(text)
    }

    mutating func `operator`() -> SeriesSelector.Operator? {
        if take("=") { return take("~") ? .matches : .equal }
        if take("!") {
            if take("=") { return .notEqual }
            if take("~") { return .notMatches }
            position -= 1
        }
        return nil
    }

    mutating func quoted() throws(SeriesSelector.ParseError) -> String {
        guard let quote = peek, quote == "\"" || quote == "'" || quote == "`" else {
            throw error("expected a quoted label value")
        }
        position += 1
        var text = String.UnicodeScalarView()
        while let scalar = peek {
            position += 1
            if scalar == quote { return String(text) }
            if scalar == "\\" && quote != "`" {
                text.append(try escape(in: quote))
                continue
            }
            text.append(scalar)
        }
        throw error("unterminated quoted string")
    }

    /// The escape after a backslash, as PromQL's lexer takes it (Go's escapes: `\a \b \f \n \r \t \v`,
    /// the backslash, the string's own quote, three octal digits, `\x` two hex digits, `\u` four, `\U`
    /// eight) and refuses anything else: `"5\d"` is an error there, not the regex `5d`.
    private mutating func escape(in quote: Unicode.Scalar) throws(SeriesSelector.ParseError) -> Unicode.Scalar {
        guard let escaped = peek else { throw error("escape sequence not terminated") }
        position += 1
        let digits: Int
        let radix: UInt32
        switch escaped {
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "v": return "\u{0B}"
        case "\\": return "\\"
        case quote: return quote
        case "0"..."7":
            position -= 1
            (digits, radix) = (3, 8)
        case "x": (digits, radix) = (2, 16)
        case "u": (digits, radix) = (4, 16)
        case "U": (digits, radix) = (8, 16)
        default:
            position -= 1
            throw error("unknown escape sequence \(Self.goQuoted(escaped))")
        }
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let digit = peek, let number = Int(String(digit), radix: Int(radix)) else {
                throw error("illegal character \(peek.map(Self.goQuoted) ?? "end of input") in escape sequence")
            }
            position += 1
            value = value * radix + UInt32(number)
        }
        guard radix != 8 || value <= 255, let result = Unicode.Scalar(value) else {
            throw error("escape sequence is an invalid Unicode code point")
        }
        // \x and octal escapes are bytes in Go: above 0x7F, one alone is not UTF-8 and matches no label
        // value, where the scalar U+0080…U+00FF would match one (and change the query sent to Prometheus).
        guard digits > 3 || value < 0x80 else {
            throw error("escape sequence \\\(escaped == "x" ? "x" : "")… is a byte above 0x7F, not UTF-8 text")
        }
        return result
    }

    /// A scalar as Go's `%#U` prints it: `U+0064 'd'`.
    private static func goQuoted(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex) '\(scalar)'"
    }
}
