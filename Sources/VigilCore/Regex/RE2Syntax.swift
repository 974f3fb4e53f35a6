/// Go's RE2 syntax (what Prometheus's relabelling accepts), checked before Swift's `Regex` compiles a
/// pattern: Swift's engine takes lookarounds, backreferences, atomic groups, possessive quantifiers,
/// comments and more that RE2 refuses, so without this check a configuration Vigil ran would fail in
/// Prometheus (and behave differently). Refusals read as Go's `regexp/syntax` errors, which
/// Prometheus prints: ``error parsing regexp: invalid or unsupported Perl syntax: `(?=` ``.
///
/// Two refusals are Vigil's own: a repeated group that itself repeats (`(a+)+`, `(x*){2,}`), and a
/// repeated group whose alternatives may begin alike (`(.|\s)*`, `(a|ab)+`; `(get|put)+` is taken: each
/// begins with its own letter). RE2 matches in linear time whatever the pattern; Swift's `Regex`
/// backtracks, and either can take time exponential in the label value's length, on the scrape's actor.
package enum RE2Syntax {
    package struct Violation: Error, CustomStringConvertible, Equatable {
        package let description: String
    }

    /// The largest count of a `{n,m}` repetition, as in Go.
    static let maximumRepeatCount = 1000

    /// Checks `pattern` and returns it as Swift's `Regex` must be given it to mean what it means in
    /// RE2: a `{` that starts no repetition count, a `[` inside a class and a `]` first in a class are
    /// literals in RE2 but a quantifier (`{,3}`), a nested class and an empty class to Swift, so they
    /// are escaped; an octal escape (`\101`, a backreference to Swift) becomes `\x{41}`, and `\pL`
    /// becomes `\p{L}`.
    @discardableResult
    package static func check(_ pattern: String) throws(Violation) -> String {
        var scanner = Scanner(Array(pattern.unicodeScalars))
        try scanner.run()
        var translated = ""
        var index = 0
        for rewrite in scanner.rewrites {
            translated.unicodeScalars.append(contentsOf: scanner.scalars[index..<rewrite.range.lowerBound])
            translated += rewrite.text
            index = rewrite.range.upperBound
        }
        translated.unicodeScalars.append(contentsOf: scanner.scalars[index...])
        return translated
    }

    /// `pattern` checked and compiled as Prometheus compiles a relabel regex or a label matcher:
    /// anchored at both ends with `.` matching a newline (`^(?s:…)$`), and matched code point by code
    /// point, as Go's RE2 matches runes (Swift's default is by grapheme: "e" + a combining acute would be
    /// one `.`). The pattern is compiled alone first when `standalone` (a label matcher: Prometheus
    /// parses it before wrapping it, so `a)|(b` is refused there; relabelling wraps it unparsed, and
    /// takes it as `^(?s:a)|(b)$`).
    package static func anchored(_ pattern: String, standalone: Bool = false) throws -> Regex<AnyRegexOutput> {
        let translated = try check(pattern)
        if standalone { _ = try Regex(translated) }
        return try Regex("^(?s:\(translated))$").matchingSemantics(.unicodeScalar)
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var position = 0
        /// Per open group: whether something inside it repeats.
        var groups: [Bool] = [false]
        /// Whether the last atom (a group, a class, a literal) has a repetition inside it.
        var lastAtomRepeats = false
        /// Per open group (the pattern itself first): how each of its alternatives so far begins.
        var alternatives: [Alternatives] = [Alternatives()]
        /// Whether the last atom is a group whose alternatives may begin alike.
        var lastAtomAmbiguous = false
        /// Whether an `i` flag is in force: literals then match either case.
        var foldsCase = false
        /// Per open group: whether an `i` flag was in force outside it (restored when it closes: a
        /// flag set inside a group ends with it).
        var enclosingFoldsCase: [Bool] = []
        var hasAtom = false
        /// Where the previous repetition operator began, while it is the last thing parsed.
        var lastRepeat: Int?
        /// Spans to be written otherwise for Swift, in order.
        var rewrites: [(range: Range<Int>, text: String)] = []

        /// Escapes the scalar at `index`, a literal to RE2 and syntax to Swift.
        mutating func escapeLiteral(at index: Int) {
            rewrites.append((index..<(index + 1), "\\" + String(scalars[index])))
        }

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        func text(_ range: Range<Int>) -> String {
            var string = ""
            string.unicodeScalars.append(contentsOf: scalars[range.clamped(to: 0..<scalars.count)])
            return string
        }

        func refuse(_ code: String, _ range: Range<Int>) -> Violation {
            Violation(description: "error parsing regexp: \(code): `\(text(range))`")
        }

        /// How the alternatives of one group begin: with a literal scalar, or (nil) with anything else — a
        /// class, an escape, a group, nothing.
        struct Alternatives {
            var firsts: [Unicode.Scalar?] = []
            var atBranchStart = true
            /// Whether the last atom begins the current alternative (a `?` or `*` on it voids it).
            var lastIsFirst = false
            /// Whether a group inside holds alternatives that may begin alike: repeating this one
            /// repeats them.
            var holdsAmbiguous = false

            /// Notes an atom: the one that begins the current alternative, if it is the first.
            mutating func begin(with literal: Unicode.Scalar?) {
                lastIsFirst = atBranchStart
                guard atBranchStart else { return }
                firsts.append(literal)
                atBranchStart = false
            }

            /// The first atom of the current alternative may match nothing: what follows may begin it.
            mutating func voidFirst() {
                if lastIsFirst, !firsts.isEmpty { firsts[firsts.count - 1] = nil }
            }

            /// Whether repeating the group may backtrack exponentially: two of its alternatives may begin
            /// with the same text (more than one, and one of them not a literal, or two the same literal),
            /// or a group inside holds such alternatives.
            var mayOverlap: Bool {
                let all = firsts + (atBranchStart ? [nil] : [])
                let literals = all.compactMap { $0 }
                return holdsAmbiguous
                    || (all.count > 1 && (literals.count < all.count || Set(literals).count < literals.count))
            }
        }

        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            position + offset < scalars.count ? scalars[position + offset] : nil
        }

        mutating func run() throws(Violation) {
            while let scalar = peek() {
                switch scalar {
                case "\\":
                    alternatives[alternatives.count - 1].begin(with: nil)
                    try escape()
                    atom(repeats: false)
                case "[":
                    alternatives[alternatives.count - 1].begin(with: nil)
                    try characterClass()
                    atom(repeats: false)
                case "(":
                    alternatives[alternatives.count - 1].begin(with: nil)
                    try openGroup()
                case ")":
                    position += 1
                    if groups.count > 1 {
                        let inner = groups.removeLast()
                        foldsCase = enclosingFoldsCase.removeLast()
                        groups[groups.count - 1] = groups[groups.count - 1] || inner
                        let ambiguous = alternatives.count > 1 && alternatives.removeLast().mayOverlap
                        if ambiguous { alternatives[alternatives.count - 1].holdsAmbiguous = true }
                        atom(repeats: inner, ambiguous: ambiguous)
                    } else {
                        atom(repeats: false)  // Swift refuses the unbalanced parenthesis itself
                    }
                case "|":
                    position += 1
                    alternatives[alternatives.count - 1].begin(with: nil)  // an empty alternative
                    alternatives[alternatives.count - 1].atBranchStart = true
                    hasAtom = false
                    lastRepeat = nil
                case "*", "+", "?":
                    try repetition(from: position, length: 1, repeats: scalar != "?", optional: scalar != "+")
                case "{":
                    if let (length, minimum, maximum) = repeatCount() {
                        guard minimum <= Self.maximum, (maximum ?? minimum) <= Self.maximum,
                            maximum.map({ $0 >= minimum }) ?? true
                        else { throw refuse("invalid repeat count", position..<(position + length)) }
                        try repetition(
                            from: position,
                            length: length,
                            repeats: (maximum ?? Int.max) > 1,
                            optional: minimum == 0
                        )
                    } else {
                        alternatives[alternatives.count - 1].begin(with: "{")
                        escapeLiteral(at: position)
                        position += 1
                        atom(repeats: false)  // a brace that starts no count is a literal, as in Go
                    }
                default:
                    // `.`, `^` and `$` match what no literal says; anything else is itself (either case of
                    // it, once a flag has made matching case-insensitive).
                    let literal = foldsCase ? scalar.properties.lowercaseMapping.unicodeScalars.first : scalar
                    alternatives[alternatives.count - 1].begin(
                        with: ".^$".unicodeScalars.contains(scalar) ? nil : literal
                    )
                    position += 1
                    atom(repeats: false)
                }
            }
        }

        static let maximum = RE2Syntax.maximumRepeatCount

        mutating func atom(repeats: Bool, ambiguous: Bool = false) {
            hasAtom = true
            lastAtomRepeats = repeats
            lastAtomAmbiguous = ambiguous
            lastRepeat = nil
        }

        /// A `*`, `+`, `?` or `{n,m}` of `length` scalars at `start`, with its optional lazy `?`; `optional`
        /// when it may match nothing.
        mutating func repetition(from start: Int, length: Int, repeats: Bool, optional: Bool) throws(Violation) {
            position = start + length
            if peek() == "?" { position += 1 }
            if let lastRepeat {
                // Go: "a** is a syntax error, not a doubled star (and a++ means something else entirely)".
                throw refuse("invalid nested repetition operator", lastRepeat..<position)
            }
            guard hasAtom else { throw refuse("missing argument to repetition operator", start..<position) }
            if repeats, lastAtomRepeats {
                throw Violation(
                    description:
                        "nested repetition `\(text(start..<position))` of a group that repeats inside: Vigil's regex engine backtracks (RE2 does not), so this can take time exponential in the value's length; rewrite it without repeating a repeated group"
                )
            }
            if repeats, lastAtomAmbiguous {
                throw Violation(
                    description:
                        "repetition `\(text(start..<position))` of a group whose alternatives may begin alike: Vigil's regex engine backtracks (RE2 does not), so this can take time exponential in the value's length; use a character class (`[ab]`, `[\\s\\S]`) or alternatives that each begin with their own literal"
                )
            }
            if optional { alternatives[alternatives.count - 1].voidFirst() }
            if repeats { groups[groups.count - 1] = true }
            lastAtomRepeats = lastAtomRepeats || repeats
            lastRepeat = start
        }

        /// `{n}`, `{n,}` or `{n,m}` at the position: its length and counts; nil when it is no count.
        func repeatCount() -> (Int, Int, Int?)? {
            var index = position + 1
            func number() -> Int? {
                var value = 0
                let start = index
                while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                    value = min(value * 10 + Int(scalars[index].value - 48), 1_000_000)
                    index += 1
                }
                return index > start ? value : nil
            }
            guard let minimum = number() else { return nil }
            var maximum: Int? = minimum
            if index < scalars.count, scalars[index] == "," {
                index += 1
                maximum = number()
            }
            guard index < scalars.count, scalars[index] == "}" else { return nil }
            return (index + 1 - position, minimum, maximum)
        }

        /// Enters a group whose literals fold case when `folding`; the flags outside come back at its end.
        mutating func openScope(folding: Bool) {
            enclosingFoldsCase.append(foldsCase)
            foldsCase = folding
            groups.append(false)
            alternatives.append(Alternatives())
            hasAtom = false
            lastRepeat = nil
        }

        mutating func openGroup() throws(Violation) {
            let start = position
            position += 1
            guard peek() == "?" else {
                openScope(folding: foldsCase)
                return
            }
            position += 1
            // Named captures: (?P<name>…) and, since Go 1.22, (?<name>…).
            if peek() == "<" || (peek() == "P" && peek(1) == "<") {
                position += peek() == "P" ? 2 : 1
                let nameStart = position
                guard let end = scalars[position...].firstIndex(of: ">") else {
                    throw refuse("invalid named capture", start..<scalars.count)
                }
                let name = scalars[nameStart..<end]
                guard !name.isEmpty,
                    name.allSatisfy({ $0 == "_" || $0.properties.isAlphabetic || $0.properties.numericType != nil })
                else { throw refuse("invalid named capture", start..<(end + 1)) }
                position = end + 1
                openScope(folding: foldsCase)
                return
            }
            // Flags (i, m, s, U, a '-' once), then ':' opens a group or ')' ends the flag setting.
            var negated = false
            var sawFlag = false
            var folds = foldsCase
            while let scalar = peek() {
                position += 1
                switch scalar {
                case "i", "m", "s", "U":
                    sawFlag = true
                    if scalar == "i" { folds = !negated }
                case "-" where !negated:
                    negated = true
                    sawFlag = false
                case ":" where !negated || sawFlag:
                    // (?i:…): the flags hold inside the group only.
                    openScope(folding: folds)
                    return
                case ")" where !negated || sawFlag:
                    // (?i): the flags hold to the end of the enclosing group.
                    foldsCase = folds
                    return
                default:
                    throw refuse("invalid or unsupported Perl syntax", start..<position)
                }
            }
            throw refuse("missing closing )", start..<position)
        }

        /// A backslash escape, outside or inside a class: only what Go's `parseEscape` takes.
        mutating func escape() throws(Violation) {
            let start = position
            position += 1
            guard let scalar = peek() else { throw refuse("trailing backslash at end of expression", 0..<0) }
            position += 1
            func invalid() -> Violation { refuse("invalid escape sequence", start..<position) }
            func isOctal(_ scalar: Unicode.Scalar?) -> Bool { scalar.map { ("0"..."7").contains($0) } ?? false }
            func isHex(_ scalar: Unicode.Scalar?) -> Bool { scalar?.properties.isASCIIHexDigit ?? false }
            if scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) { return }
            switch scalar {
            case "1"..."7":
                // A single non-zero digit is a backreference, which RE2 does not support.
                guard isOctal(peek()) else { throw invalid() }
                position += 1
                if isOctal(peek()) { position += 1 }
                rewriteOctal(start)
            case "0":
                for _ in 0..<2 where isOctal(peek()) { position += 1 }
                rewriteOctal(start)
            case "x":
                if peek() == "{" {
                    position += 1
                    let digits = position
                    while isHex(peek()) { position += 1 }
                    guard position > digits, peek() == "}" else { throw invalid() }
                    position += 1
                } else {
                    for _ in 0..<2 {
                        guard isHex(peek()) else { throw invalid() }
                        position += 1
                    }
                }
            case "a", "f", "n", "r", "t", "v", "A", "b", "B", "z", "d", "D", "s", "S", "w", "W":
                return
            case "p", "P":
                if peek() == "{" {
                    guard let end = scalars[position...].firstIndex(of: "}") else { throw invalid() }
                    position = end + 1
                } else {
                    guard let name = peek() else { throw invalid() }
                    position += 1
                    rewrites.append((start..<position, "\\\(scalar){\(name)}"))
                }
            case "Q":
                // Literal text up to \E (or the end).
                while let next = peek(), !(next == "\\" && peek(1) == "E") { position += 1 }
                position = min(scalars.count, position + 2)
            default:
                throw invalid()
            }
        }

        /// An octal escape from `start` to the position as `\x{…}` (Swift reads `\101` as a backreference).
        mutating func rewriteOctal(_ start: Int) {
            let digits = String(String.UnicodeScalarView(scalars[(start + 1)..<position]))
            let value = Int(digits, radix: 8) ?? 0
            rewrites.append((start..<position, "\\x{\(String(value, radix: 16))}"))
        }

        /// `[…]`: a leading `]` is literal; escapes are checked; `[:alpha:]` passes.
        mutating func characterClass() throws(Violation) {
            position += 1
            if peek() == "^" { position += 1 }
            if peek() == "]" {
                escapeLiteral(at: position)
                position += 1
            }
            while let scalar = peek(), scalar != "]" {
                if scalar == "\\" {
                    try escape()
                } else if scalar == "[", peek(1) == ":", let end = posixClassEnd() {
                    position = end
                } else if scalar == "[" {
                    escapeLiteral(at: position)  // no nested classes in RE2
                    position += 1
                } else {
                    position += 1
                }
            }
            position += 1  // the closing ] (Swift reports a missing one)
        }

        /// The end of a `[:name:]` at the position, or nil.
        func posixClassEnd() -> Int? {
            var index = position + 2
            while index + 1 < scalars.count {
                if scalars[index] == ":" && scalars[index + 1] == "]" { return index + 2 }
                if scalars[index] == "]" { return nil }
                index += 1
            }
            return nil
        }
    }
}
