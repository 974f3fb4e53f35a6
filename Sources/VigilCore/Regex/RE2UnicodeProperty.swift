/// A Unicode class by name, as Go's `\p{…}` takes it: `Any`, a general category (`L`, `Lu`, …; Go's
/// `C` is `Cc`, `Cf`, `Co` and `Cs`, not the unassigned `Cn`) or a script (`Greek`, `Han`, …).
struct RE2UnicodeProperty: Sendable {
    private enum Kind: Sendable {
        case any
        case categories([Unicode.GeneralCategory])
        case script(ScriptTable)
    }

    private let kind: Kind
    private let isNegated: Bool
    /// Under `(?i)`, the other cases of the class's letters (sorted, merged), taken in before negation.
    private var folds: [ClosedRange<UInt32>] = []

    /// Nil when Go has no class of that name.
    init?(name: String) {
        isNegated = false
        if name == "Any" {
            kind = .any
        } else if let categories = Self.categories(name) {
            kind = .categories(categories)
        } else if let script = ScriptTable(name) {
            kind = .script(script)
        } else {
            return nil
        }
    }

    private init(kind: Kind, isNegated: Bool) {
        self.kind = kind
        self.isNegated = isNegated
    }

    func negated() -> RE2UnicodeProperty {
        var negated = RE2UnicodeProperty(kind: kind, isNegated: !isNegated)
        negated.folds = folds
        return negated
    }

    /// The class with the other cases of its letters (Go adds the property's fold table), negated after.
    func folded() -> RE2UnicodeProperty {
        var folded = self
        folded.folds = RE2ScalarSet.merged(RE2CaseFolding.closure(where: holds))
        return folded
    }

    func contains(_ value: UInt32) -> Bool {
        (holds(value) || RE2ScalarSet.ranges(folds, contain: value)) != isNegated
    }

    /// Whether the code point has the property itself, negation and folding aside.
    private func holds(_ value: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(value) else { return false }
        switch kind {
        case .any: return true
        case .categories(let categories): return categories.contains(scalar.properties.generalCategory)
        case .script(let table): return table.contains(scalar)
        }
    }

    /// Swift's general categories under Go's one- and two-letter names.
    private static func categories(_ name: String) -> [Unicode.GeneralCategory]? {
        let all: [(String, Unicode.GeneralCategory)] = [
            ("Lu", .uppercaseLetter), ("Ll", .lowercaseLetter), ("Lt", .titlecaseLetter), ("Lm", .modifierLetter),
            ("Lo", .otherLetter), ("Mn", .nonspacingMark), ("Mc", .spacingMark), ("Me", .enclosingMark),
            ("Nd", .decimalNumber), ("Nl", .letterNumber), ("No", .otherNumber), ("Pc", .connectorPunctuation),
            ("Pd", .dashPunctuation), ("Ps", .openPunctuation), ("Pe", .closePunctuation),
            ("Pi", .initialPunctuation), ("Pf", .finalPunctuation), ("Po", .otherPunctuation), ("Sm", .mathSymbol),
            ("Sc", .currencySymbol), ("Sk", .modifierSymbol), ("So", .otherSymbol), ("Zs", .spaceSeparator),
            ("Zl", .lineSeparator), ("Zp", .paragraphSeparator), ("Cc", .control), ("Cf", .format),
            ("Cs", .surrogate), ("Co", .privateUse),
        ]
        let found = all.filter { $0.0 == name || (name.count == 1 && $0.0.hasPrefix(name)) }.map(\.1)
        return found.isEmpty ? nil : found
    }

    /// A script's code points, from the tables behind Swift's `Regex` (`\p{Script=Greek}`): the
    /// standard library has no script property of its own.
    private final class ScriptTable: @unchecked Sendable {
        // Only read after this initializer (Swift publishes its lazily compiled program atomically): safe
        // to share across threads.
        private let regex: Regex<AnyRegexOutput>

        /// Nil for a name Go does not take: Go names a script exactly as Unicode's long name
        /// (`Greek`, `Old_Italic`), where Swift also takes `greek`, `IsGreek` and more.
        init?(_ name: String) {
            guard let first = name.unicodeScalars.first, ("A"..."Z").contains(first),
                name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || $0 == "_") }),
                !(name.hasPrefix("Is") && name.dropFirst(2).first?.isUppercase == true),
                let regex = try? Regex("\\p{Script=\(name)}")
            else { return nil }
            self.regex = regex.matchingSemantics(.unicodeScalar)
        }

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            (try? regex.wholeMatch(in: String(Character(scalar)))) != nil
        }
    }
}
