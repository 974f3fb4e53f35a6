/// A character class: code point ranges and Unicode properties, matched either case when `(?i)` was in
/// force, and negated as a whole (`[^…]`, `\D`). Go builds a class's complement and case variants
/// into its ranges; Vigil keeps properties as predicates (a script is a table Swift has and Vigil does
/// not copy) and tests an input's case variants when it matches.
struct RE2ScalarSet: Sendable {
    /// Sorted, disjoint and not adjacent once ``normalize()`` has run.
    private(set) var ranges: [ClosedRange<UInt32>] = []
    private(set) var properties: [RE2UnicodeProperty] = []
    var negated = false
    private(set) var folds = false

    static let maximumScalar: UInt32 = 0x10FFFF

    init(folds: Bool = false) { self.folds = folds }

    init(_ ranges: [ClosedRange<UInt32>], negated: Bool = false, folds: Bool = false) {
        self.ranges = ranges
        self.negated = negated
        self.folds = folds
        normalize()
    }

    mutating func add(_ range: ClosedRange<UInt32>) { ranges.append(range) }

    /// Adds every code point `other` matches: a class inside a class (`[\d_]`, `[[:^alpha:]x]`,
    /// `[\PLx]`), which holds either ranges or one property.
    mutating func add(_ other: RE2ScalarSet) {
        var other = other
        other.normalize()
        if other.properties.isEmpty {
            ranges += other.negated ? Self.complement(of: other.ranges) : other.ranges
        } else {
            precondition(other.ranges.isEmpty, "a class inside a class holds ranges or a property, not both")
            properties += other.negated ? other.properties.map { $0.negated() } : other.properties
        }
    }

    mutating func add(_ property: RE2UnicodeProperty) { properties.append(property) }

    /// Sorts and merges the ranges; for a folding class, adds each code point's other cases, as Go's
    /// `appendFoldedRange` does, where the class is small enough to list (a large one, `[^a]` or
    /// `[\x00-\x{10FFFF}]`, relies on the input's variants alone).
    mutating func normalize() {
        ranges = Self.merged(ranges)
        guard folds, ranges.reduce(0, { $0 + $1.count }) <= 4096 else { return }
        var added: [ClosedRange<UInt32>] = []
        for range in ranges {
            for value in range {
                _ = RE2CaseFolding.anyVariant(of: value) { variant in
                    added.append(variant...variant)
                    return false
                }
            }
        }
        ranges = Self.merged(ranges + added)
    }

    func contains(_ value: UInt32) -> Bool {
        var found = holds(value)
        if !found, folds { found = RE2CaseFolding.anyVariant(of: value, where: holds) }
        return found != negated
    }

    private func holds(_ value: UInt32) -> Bool {
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
        if low < ranges.count, ranges[low].contains(value) { return true }
        return properties.contains { $0.contains(value) }
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
    static func perl(_ letter: Unicode.Scalar, folds: Bool) -> RE2ScalarSet? {
        let ranges: [ClosedRange<UInt32>]
        switch letter {
        case "d", "D": ranges = [0x30...0x39]
        case "s", "S": ranges = [0x09...0x0A, 0x0C...0x0D, 0x20...0x20]
        case "w", "W": ranges = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
        default: return nil
        }
        return RE2ScalarSet(ranges, negated: letter.properties.isUppercase, folds: folds)
    }

    /// A POSIX class by its name, `[:alpha:]` or `[:^alpha:]` (ASCII only, as in Go).
    static func posix(_ name: String, folds: Bool) -> RE2ScalarSet? {
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
        return RE2ScalarSet(ranges, negated: negated, folds: folds)
    }
}
