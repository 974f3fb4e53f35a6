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

    func negated() -> RE2UnicodeProperty { RE2UnicodeProperty(kind: kind, isNegated: !isNegated) }

    func contains(_ value: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(value) else { return isNegated }
        let found: Bool
        switch kind {
        case .any: found = true
        case .categories(let categories): found = categories.contains(scalar.properties.generalCategory)
        case .script(let table): found = table.contains(scalar)
        }
        return found != isNegated
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
        // A compiled Regex is only read after this initializer: safe to share across threads.
        private let regex: Regex<AnyRegexOutput>

        init?(_ name: String) {
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0 == "_" }),
                let regex = try? Regex("\\p{Script=\(name)}")
            else { return nil }
            self.regex = regex.matchingSemantics(.unicodeScalar)
        }

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            (try? regex.wholeMatch(in: String(Character(scalar)))) != nil
        }
    }
}
