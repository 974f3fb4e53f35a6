/// Case-insensitive matching as Go's `(?i)` does it, by simple (one code point to one) case mappings:
/// `k`, `K` and the Kelvin sign `K` are one letter, and so are `s`, `S` and the long `ſ`; a mapping to
/// several code points (`ß` → `SS`) folds nothing.
enum RE2CaseFolding {
    /// One representative of the letter's cases: its upper case's lower case (so the Kelvin sign and `k`,
    /// `ſ` and `s`, `ς` and `σ` fold alike).
    static func fold(_ value: UInt32) -> UInt32 {
        if value < 0x80 { return (0x41...0x5A).contains(value) ? value + 0x20 : value }
        guard let scalar = Unicode.Scalar(value) else { return value }
        let upper = single(scalar.properties.uppercaseMapping) ?? scalar
        return (single(upper.properties.lowercaseMapping) ?? upper).value
    }

    /// Whether `test` holds for one of the other cases of `value`: its lower and upper case, and its fold
    /// (a class holding the Kelvin sign matches `k` through the sign's own cases, which the class adds
    /// when it is built; see ``RE2ScalarSet``).
    static func anyVariant(of value: UInt32, where test: (UInt32) -> Bool) -> Bool {
        if value < 0x80 {
            switch value {
            case 0x41...0x5A: return test(value + 0x20)
            case 0x61...0x7A: return test(value - 0x20)
            default: return false
            }
        }
        guard let scalar = Unicode.Scalar(value) else { return false }
        let lower = single(scalar.properties.lowercaseMapping)?.value ?? value
        let upper = single(scalar.properties.uppercaseMapping)?.value ?? value
        let folded = fold(value)
        return (lower != value && test(lower)) || (upper != value && test(upper))
            || (folded != value && folded != lower && test(folded))
    }

    private static func single(_ text: String) -> Unicode.Scalar? {
        var scalars = text.unicodeScalars.makeIterator()
        guard let first = scalars.next(), scalars.next() == nil else { return nil }
        return first
    }
}
