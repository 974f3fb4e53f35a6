/// Case-insensitive matching as Go's `(?i)` does it: two code points match alike when they are in one
/// orbit of Go's `unicode.SimpleFold` (`k`, `K` and the Kelvin sign; `s`, `S` and the long `ſ`; `ß` and
/// `ẞ`; `σ`, `ς` and `Σ`). The orbits are derived from Swift's case mappings, one-to-one ones only, within
/// Go's Unicode 15.0; they match Go's table there (the dotless `ı` and the dotted `İ` alone in theirs:
/// only Turkish folding pairs them with `i`). Folding pairs that Unicode 15.1 added without a case
/// mapping (`ΐ` and `ΐ`) cannot be derived so, and Go has not taken them up. A class is folded when it
/// is built (``closure(of:)``), so matching never maps a case.
enum RE2CaseFolding {
    /// Above this, no code point has another case (Go's `maxFold`, in Adlam).
    static let lastCased: UInt32 = 0x1E943

    /// The orbit's representative: a code point's upper case's lower case, from Swift's one-to-one
    /// mappings (a mapping to several code points, `ß` → `SS`, counts as none).
    static func fold(_ value: UInt32) -> UInt32 {
        if value < 0x80 { return (0x41...0x5A).contains(value) ? value + 0x20 : value }
        guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenCaseMapped,
            RE2UnicodeProperty.isInGoUnicode(scalar),
            value != 0x131  // ı: its upper case is I, but no simple folding takes it there
        else { return value }
        // A case Go's Unicode (15.0) does not have yet is no case (ɤ's upper case came in 16.0).
        let upper = single(scalar.properties.uppercaseMapping) ?? scalar
        return (single(upper.properties.lowercaseMapping) ?? upper).value
    }

    /// Every code point that matches `value` under `(?i)`, `value` included.
    static func orbit(_ value: UInt32) -> [UInt32] {
        table.orbits[fold(value)] ?? [value]
    }

    /// `ranges` with the other cases of every letter in them (Go's `appendFoldedRange`).
    static func closure(of ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var result = ranges
        for range in ranges {
            var index = firstCased(atLeast: range.lowerBound)
            while index < table.cased.count, table.cased[index] <= range.upperBound {
                result += orbit(table.cased[index]).map { $0...$0 }
                index += 1
            }
        }
        return result
    }

    /// The other cases of every letter `contains` takes: what folding adds to a Unicode class.
    static func closure(where contains: (UInt32) -> Bool) -> [ClosedRange<UInt32>] {
        table.cased.filter(contains).flatMap { orbit($0).map { $0...$0 } }
    }

    private static func firstCased(atLeast value: UInt32) -> Int {
        var low = 0
        var high = table.cased.count
        while low < high {
            let middle = (low + high) / 2
            if table.cased[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The orbits of more than one code point, by representative, and their members in order; built
    /// once, from every code point a case mapping changes.
    private static let table: (orbits: [UInt32: [UInt32]], cased: [UInt32]) = {
        var orbits: [UInt32: [UInt32]] = [:]
        for value in UInt32(0x41)...lastCased {
            guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenCaseMapped,
                RE2UnicodeProperty.isInGoUnicode(scalar)
            else { continue }
            orbits[fold(value), default: []].append(value)
        }
        orbits = orbits.filter { $0.value.count > 1 }
        return (orbits, orbits.values.flatMap { $0 }.sorted())
    }()

    /// The one code point of a mapping, if it is one and Go's Unicode has it.
    private static func single(_ text: String) -> Unicode.Scalar? {
        var scalars = text.unicodeScalars.makeIterator()
        guard let first = scalars.next(), scalars.next() == nil, RE2UnicodeProperty.isInGoUnicode(first) else {
            return nil
        }
        return first
    }
}
