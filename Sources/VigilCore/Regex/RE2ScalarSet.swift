/// A character class: code point ranges and Unicode properties, negated as a whole (`[^…]`, `\D`).
/// Case folding happens as the class is built, as Go builds it: each piece (a range, `[:lower:]`, `\d`,
/// `\pL`) takes in the other cases of its letters before a negated piece is complemented, and the whole
/// class is negated last, so `(?i)[[:^lower:]]` matches neither `a` nor `A`. Properties stay predicates
/// (a script is a table Swift has and Vigil does not copy).
struct RE2ScalarSet: Sendable {
    /// Sorted, disjoint and not adjacent once ``normalize()`` has run.
    private(set) var ranges: [ClosedRange<UInt32>] = []
    private(set) var properties: [RE2UnicodeProperty] = []
    var negated = false

    static let maximumScalar: UInt32 = 0x10FFFF

    init() {}

    init(_ ranges: [ClosedRange<UInt32>], negated: Bool = false) {
        self.ranges = ranges
        self.negated = negated
        normalize()
    }

    init(_ property: RE2UnicodeProperty, negated: Bool) {
        properties = [property]
        self.negated = negated
    }

    /// Adds a range, with its letters' other cases when `folds`.
    mutating func add(_ range: ClosedRange<UInt32>, folds: Bool) {
        if folds { ranges += RE2CaseFolding.closure(of: [range]) } else { ranges.append(range) }
    }

    /// Adds every code point `piece` matches, a class inside a class (`[\d_]`, `[[:^alpha:]x]`, `[\PLx]`)
    /// or the one class an escape is (`\W`): it holds ranges or one property, folded when `folds` before
    /// its own negation.
    mutating func add(_ piece: RE2ScalarSet, folds: Bool) {
        if let property = piece.properties.first {
            precondition(piece.ranges.isEmpty && piece.properties.count == 1, "a piece is ranges or one property")
            let folded = folds ? property.folded() : property
            properties.append(piece.negated ? folded.negated() : folded)
        } else {
            let folded = folds ? Self.merged(RE2CaseFolding.closure(of: piece.ranges)) : piece.ranges
            ranges += piece.negated ? Self.complement(of: folded) : folded
        }
    }

    /// Sorts and merges the ranges.
    mutating func normalize() { ranges = Self.merged(ranges) }

    func contains(_ value: UInt32) -> Bool {
        (Self.ranges(ranges, contain: value) || properties.contains { $0.contains(value) }) != negated
    }

    /// Whether the sorted, disjoint `ranges` hold `value` (a binary search).
    static func ranges(_ ranges: [ClosedRange<UInt32>], contain value: UInt32) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < value {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < ranges.count && ranges[low].contains(value)
    }

    static func merged(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var result: [ClosedRange<UInt32>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, range.lowerBound <= last.upperBound &+ 1 {
                result[result.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    /// Every code point the sorted, merged `ranges` leave out.
    static func complement(of ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var result: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
            next = range.upperBound + 1
        }
        if next <= maximumScalar { result.append(next...maximumScalar) }
        return result
    }
}

extension RE2ScalarSet {
    /// `\d`, `\s`, `\w` (ASCII only, as in Go; `\s` is `[\t\n\f\r ]`) by their letter; uppercase negates.
    static func perl(_ letter: Unicode.Scalar) -> RE2ScalarSet? {
        let ranges: [ClosedRange<UInt32>]
        switch letter {
        case "d", "D": ranges = [0x30...0x39]
        case "s", "S": ranges = [0x09...0x0A, 0x0C...0x0D, 0x20...0x20]
        case "w", "W": ranges = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
        default: return nil
        }
        return RE2ScalarSet(ranges, negated: letter.properties.isUppercase)
    }

    /// A POSIX class by its name, `[:alpha:]` or `[:^alpha:]` (ASCII only, as in Go).
    static func posix(_ name: String) -> RE2ScalarSet? {
        let negated = name.hasPrefix("[:^")
        let bare = negated ? "[:" + name.dropFirst(3) : name
        let ranges: [ClosedRange<UInt32>]
        switch bare {
        case "[:alnum:]": ranges = [0x30...0x39, 0x41...0x5A, 0x61...0x7A]
        case "[:alpha:]": ranges = [0x41...0x5A, 0x61...0x7A]
        case "[:ascii:]": ranges = [0x00...0x7F]
        case "[:blank:]": ranges = [0x09...0x09, 0x20...0x20]
        case "[:cntrl:]": ranges = [0x00...0x1F, 0x7F...0x7F]
        case "[:digit:]": ranges = [0x30...0x39]
        case "[:graph:]": ranges = [0x21...0x7E]
        case "[:lower:]": ranges = [0x61...0x7A]
        case "[:print:]": ranges = [0x20...0x7E]
        case "[:punct:]": ranges = [0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E]
        case "[:space:]": ranges = [0x09...0x0D, 0x20...0x20]
        case "[:upper:]": ranges = [0x41...0x5A]
        case "[:word:]": ranges = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
        case "[:xdigit:]": ranges = [0x30...0x39, 0x41...0x46, 0x61...0x66]
        default: return nil
        }
        return RE2ScalarSet(ranges, negated: negated)
    }
}
