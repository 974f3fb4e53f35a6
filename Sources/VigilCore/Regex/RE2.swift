/// A regex as Prometheus compiles a relabel regex or a label matcher: Go's RE2 syntax, anchored at both
/// ends with `.` matching a newline (`^(?s:…)$`), matched code point by code point as Go matches runes,
/// leftmost-first, in time linear in the value's length whatever the pattern (``RE2Machine``).
///
/// Vigil's own engine, not Swift's `Regex`: that one backtracks (a pattern such as `(a|aa)*b` takes time
/// exponential in the value's length, on the scrape's actor), takes syntax RE2 refuses, and reads some
/// of RE2's syntax otherwise.
public struct RE2: Sendable {
    public let pattern: String
    /// Each group name's groups in order (`${name}` in a relabel template stands for the first that
    /// took part in the match).
    public let groupNames: [String: [Int]]
    /// How many capture groups it has.
    public let groupCount: Int
    /// Nil where a shortcut answers every question: a list of literal names needs no program, however
    /// long (a `keep` of thousands of metric names).
    let program: RE2Program?
    private let shortcut: Shortcut?

    /// A pattern matching exactly `literal` (Go's `regexp.QuoteMeta`).
    public static func quoted(_ literal: String) -> String {
        var pattern = ""
        for scalar in literal.unicodeScalars {
            if "\\.+*?()|[]{}^$".unicodeScalars.contains(scalar) { pattern.append("\\") }
            pattern.unicodeScalars.append(scalar)
        }
        return pattern
    }

    /// Fails, in Go's words, where Prometheus would, and also past a million instructions (where
    /// Prometheus takes up to 3.3 million; see ``RE2Program/maximumInstructions``). Relabelling wraps the pattern's text before
    /// parsing it (`NewRegexp`), so `a)|(b` reads as `^(?s:a)|(b)$` there, and `\Qa.b` quotes the
    /// wrapper's end and is refused. A label matcher (`standalone`) is parsed alone, with `.` matching
    /// a newline, and its tree anchored (`NewFastRegexMatcher`): `a)|(b` is refused, `\Qa.b` is taken.
    public init(_ pattern: String, standalone: Bool = false) throws(RE2Syntax.Violation) {
        let parsed: RE2Syntax.Parsed
        var parsedText = pattern
        if standalone {
            let alone = try RE2Syntax.parse(pattern, flags: RE2Syntax.Flags(dotAll: true), reservedLevels: 1)
            parsed = RE2Syntax.Parsed(
                root: .concatenation([.assertion(.beginText), alone.root, .assertion(.endText)]),
                captureCount: alone.captureCount,
                names: alone.names
            )
        } else {
            parsedText = "^(?s:" + pattern + ")$"
            parsed = try RE2Syntax.parse(parsedText)
        }
        self.pattern = pattern
        groupNames = parsed.names
        groupCount = parsed.captureCount
        shortcut = Shortcut(parsed.root)
        program = shortcut == nil ? try RE2Program(parsed, pattern: parsedText) : nil
    }

    /// Whether the value matches (Go's `MatchString` on the wrapped pattern).
    public func matches(_ value: String) -> Bool {
        switch shortcut {
        case .text(let text): return ExactText(value) == text
        case .anything: return true
        case .oneOf(let texts): return texts.contains(ExactText(value))
        case nil: return run(on: value, slotCount: 0) != nil
        }
    }

    /// The match's groups, the whole match first (nil for a group that took no part), or nil without a
    /// match (Go's `FindStringSubmatch`); only the groups up to `groups` when it is given (those after
    /// are not recorded: each thread of the matcher copies the groups it records at every step).
    public func match(_ value: String, groups: Int? = nil) -> [Substring?]? {
        let recorded = min(max(groups ?? groupCount, 0), groupCount)
        guard program != nil else { return matches(value) ? [Substring(value)] : nil }  // no groups
        guard let slots = run(on: value, slotCount: 2 * (recorded + 1)) else { return nil }
        let utf8 = value.utf8
        return stride(from: 0, to: slots.count, by: 2).map { slot in
            guard slots[slot] >= 0, slots[slot + 1] >= 0 else { return nil }
            let lower = utf8.index(utf8.startIndex, offsetBy: slots[slot])
            let upper = utf8.index(utf8.startIndex, offsetBy: slots[slot + 1])
            return Substring(value.unicodeScalars[lower..<upper])
        }
    }

    private func run(on value: String, slotCount: Int) -> [Int]? {
        guard let program else { preconditionFailure("a pattern without a program has a shortcut") }
        func run(_ text: UnsafeBufferPointer<UInt8>) -> [Int]? {
            RE2Backtracker.fits(program, textLength: text.count)
                ? RE2Backtracker.run(program, on: text, slotCount: slotCount)
                : RE2Machine.run(program, on: text, slotCount: slotCount)
        }
        return value.utf8.withContiguousStorageIfAvailable(run) ?? Array(value.utf8).withUnsafeBufferPointer(run)
    }

    /// What the common patterns come down to, as Prometheus's `FastRegexMatcher` finds them: a literal,
    /// `.*`, or literals in alternation (`GET|POST`), which need no machine to tell a match.
    private enum Shortcut: Sendable {
        case text(ExactText)
        case anything
        case oneOf(Set<ExactText>)

        /// From the wrapped pattern's tree: `^`, the pattern, `$`.
        init?(_ root: RE2Node) {
            guard case .concatenation(let parts) = root, parts.count == 3,
                case .assertion(.beginText) = parts[0], case .assertion(.endText) = parts[2]
            else { return nil }
            switch parts[1] {
            case .repetition(.anyScalar, 0, nil, _):
                self = .anything
            case .alternation(let alternatives):
                let texts = alternatives.compactMap(Self.text)
                guard texts.count == alternatives.count else { return nil }
                self = .oneOf(Set(texts.map(ExactText.init)))
            case let inner:
                guard let text = Self.text(inner) else { return nil }
                self = .text(ExactText(text))
            }
        }

        /// The text a node matches when it is literal code points (no case folding), or nothing.
        static func text(_ node: RE2Node) -> String? {
            var text = ""
            func append(_ node: RE2Node) -> Bool {
                switch node {
                case .empty: return true
                case .literal(let value, folds: false):
                    guard let scalar = Unicode.Scalar(value) else { return false }
                    text.unicodeScalars.append(scalar)
                    return true
                case .concatenation(let nodes): return nodes.allSatisfy(append)
                default: return false
                }
            }
            return append(node) ? text : nil
        }
    }

    /// Text compared byte for byte, as Go compares strings: Swift's `==` takes `é` and `e` with a
    /// combining accent as equal, and RE2 does not.
    private struct ExactText: Hashable, Sendable {
        let text: String

        init(_ text: String) { self.text = text }

        static func == (lhs: ExactText, rhs: ExactText) -> Bool { lhs.text.utf8.elementsEqual(rhs.text.utf8) }

        func hash(into hasher: inout Hasher) {
            for byte in text.utf8 { hasher.combine(byte) }
        }
    }
}
