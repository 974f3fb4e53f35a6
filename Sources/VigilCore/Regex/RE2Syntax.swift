/// Go's RE2 syntax (what Prometheus's relabelling and label matchers accept), parsed as Go's
/// `regexp/syntax` parses it with its Perl flags, into the tree ``RE2Program`` compiles. Refusals read as
/// Go's errors, which Prometheus prints: ``error parsing regexp: invalid or unsupported Perl syntax: `(?=` ``.
///
/// The parser keeps its own stack of open groups instead of recursing, so a pattern of a thousand
/// nested groups needs no deeper call stack than a flat one; like Go, it refuses a tree more than 1,000
/// levels deep and a counted repetition whose nested counts multiply past 1,000.
public enum RE2Syntax {
    public struct Violation: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// The largest count of a `{n,m}` repetition, and of nested counts multiplied, as in Go.
    static let maximumRepeatCount = 1000
    /// The deepest tree Go parses (`maxHeight`).
    static let maximumHeight = 1000

    /// The flags a part of the pattern is read under: `(?i)`, `(?s)`, `(?m)`, `(?U)`.
    struct Flags: Sendable {
        var foldsCase = false
        var dotAll = false
        var multiline = false
        var ungreedy = false
    }

    struct Parsed: Sendable {
        let root: RE2Node
        let captureCount: Int
        /// Each group name's groups in order, for `${name}` (Go's `Expand` takes the first that matched).
        let names: [String: [Int]]
    }

    /// `reservedLevels`: levels the tree will be wrapped in (a label matcher's anchoring), counted
    /// against Go's bound as Prometheus counts them when it compiles the wrapped pattern.
    static func parse(_ pattern: String, flags: Flags = Flags(), reservedLevels: Int = 0) throws(Violation) -> Parsed {
        var parser = Parser(Array(pattern.unicodeScalars), flags: flags)
        parser.maximumHeight = RE2Syntax.maximumHeight - reservedLevels
        return try parser.run()
    }

    private struct Parser {
        /// A node and its height, as Go counts it: a leaf is 1, anything else one more than its tallest
        /// part, and a run of literals one (Go joins it into one string).
        struct Item {
            var node: RE2Node
            var height: Int
            var isLiteralRun = false
        }

        /// An open group (the whole pattern is the first): its finished alternatives, the sequence being
        /// read, its capture number, and the flags to restore when it closes.
        struct Frame {
            var alternatives: [Item] = []
            var sequence: [Item] = []
            let capture: Int?
            let outerFlags: Flags

            mutating func finishAlternative() {
                let nodes = sequence.map(\.node)
                alternatives.append(
                    sequence.count > 1 && sequence.allSatisfy(\.isLiteralRun)
                        ? Item(node: .concatenation(nodes), height: 1, isLiteralRun: true)
                        : Self.joined(sequence, as: RE2Node.concatenation)
                )
                sequence = []
            }

            mutating func collapsed() -> Item {
                finishAlternative()
                return Self.joined(alternatives, as: RE2Node.alternation)
            }

            static func joined(_ items: [Item], as make: ([RE2Node]) -> RE2Node) -> Item {
                switch items.count {
                case 0: Item(node: .empty, height: 1)
                case 1: items[0]
                default: Item(node: make(items.map(\.node)), height: 1 + items.map(\.height).max()!)
                }
            }
        }

        let scalars: [Unicode.Scalar]
        var position = 0
        var flags: Flags
        var frames: [Frame]
        var captureCount = 0
        var names: [String: [Int]] = [:]
        /// Where the previous repetition operator began, while it is the last thing read.
        var lastRepeat: Int?
        /// The deepest tree taken, Go's bound less the levels the tree will be wrapped in.
        var maximumHeight = RE2Syntax.maximumHeight
        /// The last search for a `:]`: where it began, and the end of the first found (nil: none).
        var lastPosixSearch: (start: Int, end: Int?)?

        init(_ scalars: [Unicode.Scalar], flags: Flags) {
            self.scalars = scalars
            self.flags = flags
            frames = [Frame(capture: nil, outerFlags: flags)]
        }

        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            position + offset < scalars.count ? scalars[position + offset] : nil
        }

        func text(_ range: Range<Int>) -> String {
            var string = ""
            string.unicodeScalars.append(contentsOf: scalars[range.clamped(to: 0..<scalars.count)])
            return string
        }

        func refuse(_ code: String, _ range: Range<Int>) -> Violation {
            Violation(description: "error parsing regexp: \(code): `\(text(range))`")
        }

        var whole: Range<Int> { 0..<scalars.count }

        mutating func run() throws(Violation) -> Parsed {
            while let scalar = peek() {
                var repeatStart: Int?
                switch scalar {
                case "(":
                    if peek(1) == "?" {
                        try groupOrFlags()
                    } else {
                        captureCount += 1
                        frames.append(Frame(capture: captureCount, outerFlags: flags))
                        position += 1
                    }
                case "|":
                    frames[frames.count - 1].finishAlternative()
                    position += 1
                case ")":
                    guard frames.count > 1 else { throw refuse("unexpected )", whole) }
                    var frame = frames.removeLast()
                    var item = frame.collapsed()
                    if let index = frame.capture {
                        item = Item(node: .capture(item.node, index: index), height: item.height + 1)
                    }
                    flags = frame.outerFlags
                    position += 1
                    try push(item)
                case "^":
                    position += 1
                    try push(.assertion(flags.multiline ? .beginLine : .beginText))
                case "$":
                    position += 1
                    try push(.assertion(flags.multiline ? .endLine : .endText))
                case ".":
                    position += 1
                    try push(flags.dotAll ? .anyScalar : .set(RE2ScalarSet([0x0A...0x0A], negated: true)))
                case "[":
                    try characterClass()
                case "*", "+", "?":
                    repeatStart = position
                    position += 1
                    try repetition(from: repeatStart!, minimum: scalar == "+" ? 1 : 0, maximum: scalar == "?" ? 1 : nil)
                case "{":
                    guard let (end, minimum, maximum) = repeatCount() else {
                        position += 1
                        try push(literal("{"))  // a brace that starts no count is a literal, as in Go
                        break
                    }
                    guard minimum >= 0, minimum <= RE2Syntax.maximumRepeatCount,
                        (maximum ?? 0) <= RE2Syntax.maximumRepeatCount,
                        maximum.map({ $0 >= minimum }) ?? true
                    else { throw refuse("invalid repeat count", position..<end) }
                    repeatStart = position
                    position = end
                    try repetition(from: repeatStart!, minimum: minimum, maximum: maximum, counted: true)
                case "\\":
                    try escapeOutsideClass()
                default:
                    position += 1
                    try push(literal(scalar))
                }
                lastRepeat = repeatStart
            }
            guard frames.count == 1 else { throw refuse("missing closing )", whole) }
            let root = frames[0].collapsed()
            guard root.height <= maximumHeight else { throw refuse("expression nests too deeply", whole) }
            return Parsed(root: root.node, captureCount: captureCount, names: names)
        }

        func literal(_ scalar: Unicode.Scalar) -> RE2Node { .literal(scalar.value, folds: flags.foldsCase) }

        mutating func push(_ node: RE2Node) throws(Violation) {
            let isLiteral = if case .literal = node { true } else { false }
            try push(Item(node: node, height: 1, isLiteralRun: isLiteral))
        }

        mutating func push(_ item: Item) throws(Violation) {
            guard item.height <= maximumHeight else { throw refuse("expression nests too deeply", whole) }
            frames[frames.count - 1].sequence.append(item)
        }

        /// A `*`, `+`, `?` or `{n,m}` that began at `start` and ends at the position, with its optional
        /// lazy `?`, applied to the last thing read.
        mutating func repetition(from start: Int, minimum: Int, maximum: Int?, counted: Bool = false) throws(Violation)
        {
            var greedy = true
            if peek() == "?" {
                position += 1
                greedy = false
            }
            if flags.ungreedy { greedy.toggle() }
            if let lastRepeat {
                // Go: "a** is a syntax error, not a doubled star (and a++ means something else entirely)".
                throw refuse("invalid nested repetition operator", lastRepeat..<position)
            }
            guard let last = frames[frames.count - 1].sequence.popLast() else {
                throw refuse("missing argument to repetition operator", start..<position)
            }
            let node = RE2Node.repetition(last.node, minimum: minimum, maximum: maximum, greedy: greedy)
            if counted, minimum >= 2 || (maximum ?? 0) >= 2,
                !Self.repeatIsValid(node, within: RE2Syntax.maximumRepeatCount)
            {
                throw refuse("invalid repeat count", start..<position)
            }
            try push(Item(node: node, height: last.height + 1))
        }

        /// Go's `repeatIsValid`: the counts of nested counted repetitions, multiplied, stay within `limit`.
        static func repeatIsValid(_ node: RE2Node, within limit: Int) -> Bool {
            var limit = limit
            switch node {
            case .repetition(let inner, let minimum, let maximum, _):
                if maximum == 0 { return true }
                let count = maximum ?? minimum
                if count > limit { return false }
                if count > 0 { limit /= count }
                return repeatIsValid(inner, within: limit)
            case .capture(let inner, _): return repeatIsValid(inner, within: limit)
            case .concatenation(let nodes), .alternation(let nodes):
                return nodes.allSatisfy { repeatIsValid($0, within: limit) }
            case .empty, .literal, .set, .anyScalar, .assertion: return true
            }
        }

        /// `{n}`, `{n,}` or `{n,m}` at the position, as Go's `parseRepeat` reads it: the index after its
        /// `}`, the counts (-1 for a number too large to read; `maximum` nil when unbounded), or nil when
        /// it is no count (then the `{` is a literal).
        func repeatCount() -> (end: Int, minimum: Int, maximum: Int?)? {
            var index = position + 1
            func number() -> Int? {
                guard index < scalars.count, ("0"..."9").contains(scalars[index]) else { return nil }
                // Go disallows leading zeros: `{01}` is literal text.
                if scalars[index] == "0", index + 1 < scalars.count, ("0"..."9").contains(scalars[index + 1]) {
                    return nil
                }
                var value = 0
                while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                    if value >= 100_000_000 {
                        value = -1
                    } else if value >= 0 {
                        value = value * 10 + Int(scalars[index].value - 48)
                    }
                    index += 1
                }
                return value
            }
            guard var minimum = number(), index < scalars.count else { return nil }
            var maximum: Int? = minimum
            if scalars[index] == "," {
                index += 1
                guard index < scalars.count else { return nil }
                if scalars[index] == "}" {
                    maximum = nil
                } else {
                    guard let upper = number() else { return nil }
                    maximum = upper
                    if upper < 0 { minimum = -1 }
                }
            }
            guard index < scalars.count, scalars[index] == "}" else { return nil }
            return (index + 1, minimum, maximum)
        }

        /// `(?…`: a named capture, a non-capturing group with flags, or flags for the rest of the group.
        mutating func groupOrFlags() throws(Violation) {
            let start = position
            let remaining = scalars.count - start
            let pythonName = remaining > 4 && scalars[start + 2] == "P" && scalars[start + 3] == "<"
            let dotNetName = remaining > 3 && scalars[start + 2] == "<"
            if pythonName || dotNetName {
                // Named captures: (?P<name>…) and, since Go 1.22, (?<name>…).
                guard let end = scalars[start...].firstIndex(of: ">") else {
                    throw refuse("invalid named capture", start..<scalars.count)
                }
                let name = scalars[(start + (pythonName ? 4 : 3))..<end]
                guard !name.isEmpty, name.allSatisfy(Self.isNameScalar) else {
                    throw refuse("invalid named capture", start..<(end + 1))
                }
                captureCount += 1
                let nameText = text((end - name.count)..<end)
                names[nameText, default: []].append(captureCount)
                frames.append(Frame(capture: captureCount, outerFlags: flags))
                position = end + 1
                return
            }
            // Flags (i, m, s, U, a '-' once), then ':' opens a group or ')' ends the flag setting.
            position = start + 2
            var new = flags
            var negated = false
            var sawFlag = false
            loop: while let scalar = peek() {
                position += 1
                switch scalar {
                case "i": new.foldsCase = !negated
                case "m": new.multiline = !negated
                case "s": new.dotAll = !negated
                case "U": new.ungreedy = !negated
                case "-":
                    guard !negated else { break loop }
                    negated = true
                    sawFlag = false
                    continue loop
                case ":", ")":
                    guard !negated || sawFlag else { break loop }
                    // (?i:…): the flags hold inside the group only; (?i): to the end of the enclosing group.
                    if scalar == ":" { frames.append(Frame(capture: nil, outerFlags: flags)) }
                    flags = new
                    return
                default:
                    break loop
                }
                sawFlag = true
            }
            throw refuse("invalid or unsupported Perl syntax", start..<position)
        }

        /// An ASCII letter or digit or `_`: what Go takes in a group name (`isValidCaptureName`).
        static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_": true
            default: false
            }
        }

        /// A backslash outside a class: an assertion, `\Q…\E`, a class (`\d`, `\pL`) or one code point.
        mutating func escapeOutsideClass() throws(Violation) {
            let start = position
            if let next = peek(1) {
                let assertion: RE2Assertion? =
                    switch next {
                    case "A": .beginText
                    case "z": .endText
                    case "b": .wordBoundary
                    case "B": .notWordBoundary
                    default: nil
                    }
                if let assertion {
                    position += 2
                    try push(.assertion(assertion))
                    return
                }
                switch next {
                case "C":
                    throw refuse("invalid escape sequence", start..<(start + 2))  // any byte: not in Go
                case "Q":
                    // Literal text up to \E (or the end).
                    position += 2
                    while let scalar = peek(), !(scalar == "\\" && peek(1) == "E") {
                        position += 1
                        try push(literal(scalar))
                    }
                    position = min(scalars.count, position + 2)
                    return
                case "p", "P":
                    var set = RE2ScalarSet()
                    set.add(try unicodeClass(), folds: flags.foldsCase)
                    try push(.set(set))
                    return
                default:
                    if let perl = RE2ScalarSet.perl(next) {
                        position += 2
                        var set = RE2ScalarSet()
                        set.add(perl, folds: flags.foldsCase)
                        set.normalize()
                        try push(.set(set))
                        return
                    }
                }
            }
            try push(.literal(escape(), folds: flags.foldsCase))
        }

        /// `\pL`, `\p{Greek}`, `\PL`, `\p{^Greek}` at the position, as a piece of a class.
        mutating func unicodeClass() throws(Violation) -> RE2ScalarSet {
            let start = position
            var negated = scalars[start + 1] == "P"
            position = start + 2
            var name: String
            if peek() == "{" {
                guard let end = scalars[start...].firstIndex(of: "}") else {
                    throw refuse("invalid character class range", start..<scalars.count)
                }
                name = text((start + 3)..<end)
                position = end + 1
            } else {
                name = peek().map { String($0) } ?? ""
                position = min(scalars.count, position + 1)
            }
            if name.hasPrefix("^") {
                negated.toggle()
                name.removeFirst()
            }
            guard let property = RE2UnicodeProperty(name: name) else {
                throw refuse("invalid character class range", start..<position)
            }
            return RE2ScalarSet(property, negated: negated)
        }

        /// A backslash escape for one code point, as Go's `parseEscape` reads it.
        mutating func escape() throws(Violation) -> UInt32 {
            let start = position
            position += 1
            guard let scalar = peek() else { throw refuse("trailing backslash at end of expression", 0..<0) }
            position += 1
            func invalid() -> Violation { refuse("invalid escape sequence", start..<position) }
            func octal(_ scalar: Unicode.Scalar?) -> UInt32? {
                scalar.flatMap { ("0"..."7").contains($0) ? $0.value - 48 : nil }
            }
            func hex(_ scalar: Unicode.Scalar?) -> UInt32? {
                guard let scalar, scalar.properties.isASCIIHexDigit else { return nil }
                return UInt32(String(scalar), radix: 16)
            }
            // Escaped punctuation is itself (Go once refused `\_`, and takes it now).
            if scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) { return scalar.value }
            switch scalar {
            case "0"..."7":
                // A single non-zero digit is a backreference, which RE2 does not support.
                if scalar != "0", octal(peek()) == nil { throw invalid() }
                var value = scalar.value - 48
                for _ in 1..<3 {
                    guard let digit = octal(peek()) else { break }
                    value = value * 8 + digit
                    position += 1
                }
                return value
            case "x":
                guard let next = peek() else { throw invalid() }
                position += 1
                if next == "{" {
                    var value: UInt32 = 0
                    var digits = 0
                    while true {
                        guard let scalar = peek() else { throw invalid() }
                        position += 1
                        if scalar == "}" { break }
                        guard let digit = hex(scalar) else { throw invalid() }
                        value = value * 16 + digit
                        guard value <= RE2ScalarSet.maximumScalar else { throw invalid() }
                        digits += 1
                    }
                    guard digits > 0 else { throw invalid() }
                    return value
                }
                let second = peek()
                if second != nil { position += 1 }
                guard let high = hex(next), let low = hex(second) else { throw invalid() }
                return high * 16 + low
            case "a": return 0x07
            case "f": return 0x0C
            case "n": return 0x0A
            case "r": return 0x0D
            case "t": return 0x09
            case "v": return 0x0B
            default: throw invalid()
            }
        }

        /// `[…]`, as Go's `parseClass` reads it: a leading `]` is literal, `-` is literal where it
        /// starts no range, and POSIX, Perl and Unicode classes may sit inside.
        mutating func characterClass() throws(Violation) {
            let start = position
            position += 1
            var set = RE2ScalarSet()
            if peek() == "^" {
                set.negated = true
                position += 1
            }
            var first = true
            while peek() != "]" || first {
                first = false
                if peek() == "[", peek(1) == ":", scalars.count - position > 2, let end = posixClassEnd() {
                    guard let posix = RE2ScalarSet.posix(text(position..<end)) else {
                        throw refuse("invalid character class range", position..<end)
                    }
                    set.add(posix, folds: flags.foldsCase)
                    position = end
                    continue
                }
                if peek() == "\\", let next = peek(1) {
                    if next == "p" || next == "P" {
                        set.add(try unicodeClass(), folds: flags.foldsCase)
                        continue
                    }
                    if let perl = RE2ScalarSet.perl(next) {
                        set.add(perl, folds: flags.foldsCase)
                        position += 2
                        continue
                    }
                }
                let rangeStart = position
                let low = try classScalar(classStart: start)
                var high = low
                if peek() == "-", let after = peek(1), after != "]" {
                    position += 1
                    high = try classScalar(classStart: start)
                    guard high >= low else { throw refuse("invalid character class range", rangeStart..<position) }
                }
                set.add(low...high, folds: flags.foldsCase)
            }
            position += 1
            set.normalize()
            try push(.set(set))
        }

        mutating func classScalar(classStart: Int) throws(Violation) -> UInt32 {
            guard let scalar = peek() else { throw refuse("missing closing ]", classStart..<scalars.count) }
            if scalar == "\\" { return try escape() }
            position += 1
            return scalar.value
        }

        /// The end of a `[:name:]` at the position: Go looks for the first `:]` anywhere after it. The
        /// last search is remembered, so a class of many `[:` is read in linear time.
        mutating func posixClassEnd() -> Int? {
            let start = position + 2
            if let last = lastPosixSearch, last.start <= start, (last.end ?? Int.max) >= start + 2 {
                return last.end
            }
            var index = start
            var end: Int?
            while index + 1 < scalars.count {
                if scalars[index] == ":" && scalars[index + 1] == "]" {
                    end = index + 2
                    break
                }
                index += 1
            }
            lastPosixSearch = (start, end)
            return end
        }
    }
}
