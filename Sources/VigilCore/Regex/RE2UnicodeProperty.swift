import Synchronization

/// A Unicode class by name, as Go's `\p{…}` takes it: `Any`, a general category (`L`, `Lu`, …; Go's
/// `C` is `Cc`, `Cf`, `Co` and `Cs`, not the unassigned `Cn`) or a script by its exact long name
/// (`Greek`, `Old_Italic`), as Go 1.21 to 1.24 take them (Go 1.25 adds `Cn`, `LC` and looser names).
/// Go's tables are Unicode 15.0 and Swift's are later: a code point assigned after 15.0 is in no class
/// here, and has no other case (``RE2CaseFolding``), as in Go.
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
        } else if let script = ScriptTable.named(name) {
            kind = .script(script)
        } else {
            return nil
        }
    }

    private init(kind: Kind, isNegated: Bool) {
        self.kind = kind
        self.isNegated = isNegated
    }

    /// Whether Go's Unicode (15.0) has the code point.
    static func isInGoUnicode(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return (age.major, age.minor) <= (15, 0)
    }

    func negated() -> RE2UnicodeProperty {
        var negated = RE2UnicodeProperty(kind: kind, isNegated: !isNegated)
        negated.folds = folds
        return negated
    }

    /// The class with the other cases of its letters (Go adds the property's fold table), negated after.
    func folded() -> RE2UnicodeProperty {
        var folded = self
        folded.folds =
            if case .script(let table) = kind {
                table.folds
            } else {
                RE2ScalarSet.merged(RE2CaseFolding.closure(where: holds))
            }
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
        case .categories(let categories):
            return Self.isInGoUnicode(scalar) && categories.contains(scalar.properties.generalCategory)
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

    /// A script's code points, from the tables behind Swift's `Regex` (`\p{Script=Greek}`): the standard
    /// library has no script property of its own. One table a script, shared, with its folded letters.
    private final class ScriptTable: Sendable {
        // Only read after this initializer (Swift publishes a Regex's lazily compiled program
        // atomically): safe to share across threads.
        nonisolated(unsafe) private let regex: Regex<AnyRegexOutput>
        private let foldsOnce = Mutex<[ClosedRange<UInt32>]?>(nil)

        private static let tables = Mutex<[String: ScriptTable]>([:])

        /// The table of the script of this exact name in Unicode 15.0, or nil.
        static func named(_ name: String) -> ScriptTable? {
            guard RE2UnicodeProperty.scriptNames.contains(name) else { return nil }
            return tables.withLock { tables in
                if let table = tables[name] { return table }
                guard let regex = try? Regex("\\p{Script=\(name)}") else { return nil }
                let table = ScriptTable(regex.matchingSemantics(.unicodeScalar))
                tables[name] = table
                return table
            }
        }

        private init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            RE2UnicodeProperty.isInGoUnicode(scalar) && (try? regex.wholeMatch(in: String(Character(scalar)))) != nil
        }

        /// The other cases of the script's letters, found once.
        var folds: [ClosedRange<UInt32>] {
            foldsOnce.withLock { folds in
                if let folds { return folds }
                let found = RE2ScalarSet.merged(
                    RE2CaseFolding.closure { Unicode.Scalar($0).map(self.contains) ?? false }
                )
                folds = found
                return found
            }
        }

    }

    /// Unicode 15.0's script names (PropertyValueAliases.txt, `sc`), the keys of Go's `unicode.Scripts`.
    static let scriptNames: Set<String> = [
        "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese", "Bamum",
        "Bassa_Vah", "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille", "Buginese", "Buhid",
        "Canadian_Aboriginal", "Carian", "Caucasian_Albanian", "Chakma", "Cham", "Cherokee", "Chorasmian",
        "Common", "Coptic", "Cuneiform", "Cypriot", "Cypro_Minoan", "Cyrillic", "Deseret", "Devanagari",
        "Dives_Akuru", "Dogra", "Duployan", "Egyptian_Hieroglyphs", "Elbasan", "Elymaic", "Ethiopic",
        "Georgian", "Glagolitic", "Gothic", "Grantha", "Greek", "Gujarati", "Gunjala_Gondi", "Gurmukhi", "Han",
        "Hangul", "Hanifi_Rohingya", "Hanunoo", "Hatran", "Hebrew", "Hiragana", "Imperial_Aramaic",
        "Inherited", "Inscriptional_Pahlavi", "Inscriptional_Parthian", "Javanese", "Kaithi", "Kannada",
        "Katakana", "Kawi", "Kayah_Li", "Kharoshthi", "Khitan_Small_Script", "Khmer", "Khojki", "Khudawadi",
        "Lao", "Latin", "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian", "Mahajani",
        "Makasar", "Malayalam", "Mandaic", "Manichaean", "Marchen", "Masaram_Gondi", "Medefaidrin",
        "Meetei_Mayek", "Mende_Kikakui", "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Modi",
        "Mongolian", "Mro", "Multani", "Myanmar", "Nabataean", "Nag_Mundari", "Nandinagari", "New_Tai_Lue",
        "Newa", "Nko", "Nushu", "Nyiakeng_Puachue_Hmong", "Ogham", "Ol_Chiki", "Old_Hungarian", "Old_Italic",
        "Old_North_Arabian", "Old_Permic", "Old_Persian", "Old_Sogdian", "Old_South_Arabian", "Old_Turkic",
        "Old_Uyghur", "Oriya", "Osage", "Osmanya", "Pahawh_Hmong", "Palmyrene", "Pau_Cin_Hau", "Phags_Pa",
        "Phoenician", "Psalter_Pahlavi", "Rejang", "Runic", "Samaritan", "Saurashtra", "Sharada", "Shavian",
        "Siddham", "SignWriting", "Sinhala", "Sogdian", "Sora_Sompeng", "Soyombo", "Sundanese",
        "Syloti_Nagri", "Syriac", "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham", "Tai_Viet", "Takri", "Tamil",
        "Tangsa", "Tangut", "Telugu", "Thaana", "Thai", "Tibetan", "Tifinagh", "Tirhuta", "Toto", "Ugaritic",
        "Vai", "Vithkuqi", "Wancho", "Warang_Citi", "Yezidi", "Yi", "Zanabazar_Square",
    ]
}
