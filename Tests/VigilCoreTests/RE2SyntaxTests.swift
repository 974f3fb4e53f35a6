import Testing

@testable import VigilCore

/// Relabel regexes and label matchers take exactly Go's RE2 syntax, as Prometheus does, with Go's error
/// wording. (Tests/VigilCLITests/RE2PrometheusConformanceTests.swift holds the same against the real
/// Prometheus.)
struct RE2SyntaxTests {
    @Test(
        arguments: [
            // Lookarounds and atomic groups: Perl syntax RE2 does not have.
            ("(?=x)y", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
            ("a(?!b)", "error parsing regexp: invalid or unsupported Perl syntax: `(?!`"),
            ("(?>ab)", "error parsing regexp: invalid or unsupported Perl syntax: `(?>`"),
            ("(?#note)a", "error parsing regexp: invalid or unsupported Perl syntax: `(?#`"),
            ("(?x)a b", "error parsing regexp: invalid or unsupported Perl syntax: `(?x`"),
            ("(?P=name)", "error parsing regexp: invalid or unsupported Perl syntax: `(?P`"),
            ("(?i-)a", "error parsing regexp: invalid or unsupported Perl syntax: `(?i-)`"),
            // Go 1.22 reads (?< as a named capture, so a lookbehind is a bad name.
            ("(?<=a)b", "error parsing regexp: invalid named capture: `(?<=a)b`"),
            ("(?<!a>)b", "error parsing regexp: invalid named capture: `(?<!a>`"),
            ("(?P<a-b>x)", "error parsing regexp: invalid named capture: `(?P<a-b>`"),
            ("(?P<gr\u{F6}\u{DF}e>a)", "error parsing regexp: invalid named capture: `(?P<gr\u{F6}\u{DF}e>`"),
            // Backreferences and escapes RE2 lacks.
            (#"(a)\1"#, #"error parsing regexp: invalid escape sequence: `\1`"#),
            (#"\k<x>"#, #"error parsing regexp: invalid escape sequence: `\k`"#),
            (#"a\Z"#, #"error parsing regexp: invalid escape sequence: `\Z`"#),
            (#"a\C"#, #"error parsing regexp: invalid escape sequence: `\C`"#),
            (#"[\8]"#, #"error parsing regexp: invalid escape sequence: `\8`"#),
            (#"\x{110000}"#, #"error parsing regexp: invalid escape sequence: `\x{110000`"#),
            (#"\xg1"#, #"error parsing regexp: invalid escape sequence: `\xg1`"#),
            ("a\\", "error parsing regexp: trailing backslash at end of expression: ``"),
            // Classes.
            ("[z-a]", "error parsing regexp: invalid character class range: `z-a`"),
            ("[[:foo:]]", "error parsing regexp: invalid character class range: `[:foo:]`"),
            ("[[:a]b:]", "error parsing regexp: invalid character class range: `[:a]b:]`"),
            (#"\p{Foo}"#, #"error parsing regexp: invalid character class range: `\p{Foo}`"#),
            (#"[\pX]"#, #"error parsing regexp: invalid character class range: `\pX`"#),
            // Go names a script exactly as Unicode's long name; Swift's looser names are refused.
            (#"\p{greek}"#, #"error parsing regexp: invalid character class range: `\p{greek}`"#),
            (#"\p{IsGreek}"#, #"error parsing regexp: invalid character class range: `\p{IsGreek}`"#),
            (#"\p{Latn}"#, #"error parsing regexp: invalid character class range: `\p{Latn}`"#),
            (#"\p{LATIN}"#, #"error parsing regexp: invalid character class range: `\p{LATIN}`"#),
            (#"\p{OldItalic}"#, #"error parsing regexp: invalid character class range: `\p{OldItalic}`"#),
            // A script Unicode added after Go's 15.0.
            (#"\p{Garay}"#, #"error parsing regexp: invalid character class range: `\p{Garay}`"#),
            ("[a", "error parsing regexp: missing closing ]: `[a`"),
            // Possessive and stacked quantifiers, and counts.
            ("a*+", "error parsing regexp: invalid nested repetition operator: `*+`"),
            ("a**", "error parsing regexp: invalid nested repetition operator: `**`"),
            ("a+?+", "error parsing regexp: invalid nested repetition operator: `+?+`"),
            ("a{2}{3}", "error parsing regexp: invalid nested repetition operator: `{2}{3}`"),
            ("*a", "error parsing regexp: missing argument to repetition operator: `*`"),
            ("a|?", "error parsing regexp: missing argument to repetition operator: `?`"),
            ("(*)", "error parsing regexp: missing argument to repetition operator: `*`"),
            ("a{1001}", "error parsing regexp: invalid repeat count: `{1001}`"),
            ("a{3,2}", "error parsing regexp: invalid repeat count: `{3,2}`"),
            ("a{100000000}", "error parsing regexp: invalid repeat count: `{100000000}`"),
            ("(a{100}){100}", "error parsing regexp: invalid repeat count: `{100}`"),
            // Groups.
            ("(a", "error parsing regexp: missing closing ): `(a`"),
            ("a)", "error parsing regexp: unexpected ): `a)`"),
        ]
    )
    func refusesWhatRE2Refuses(pattern: String, message: String) {
        #expect(throws: RE2Syntax.Violation(description: message)) { try RE2Syntax.parse(pattern) }
        #expect(throws: RE2Syntax.Violation.self) { try RE2(pattern, standalone: true) }
    }

    /// Relabelling wraps the pattern unparsed, as Prometheus's `NewRegexp` does: an error then quotes
    /// the wrapper, as Prometheus's does.
    @Test func aRelabelRegexIsRefusedInTheWordsOfItsWrappedForm() throws {
        #expect(throws: RE2Syntax.Violation(description: "error parsing regexp: missing closing ]: `[a)$`")) {
            try RE2("[a")
        }
        #expect(throws: RE2Syntax.Violation(description: "error parsing regexp: missing closing ): `^(?s:(a)$`")) {
            try RE2("(a")
        }
        // `\Q` quotes to the end, wrapper included: Prometheus refuses this relabel regex too, and takes
        // it as a label matcher, which it parses alone.
        #expect(throws: RE2Syntax.Violation(description: #"error parsing regexp: missing closing ): `^(?s:\Qa.b)$`"#)) {
            try RE2(#"\Qa.b"#)
        }
        #expect(try RE2(#"\Qa.b"#, standalone: true).matches("a.b"))
    }

    /// Go refuses a tree more than 1,000 levels deep; Vigil also refuses a program past a million
    /// instructions (Go's bound is 3.3 million), since each match holds state for each instruction.
    @Test func refusesPatternsTooDeepOrTooLarge() throws {
        let deep = String(repeating: "(", count: 1001) + "a" + String(repeating: ")", count: 1001)
        #expect(
            throws: RE2Syntax.Violation(description: "error parsing regexp: expression nests too deeply: `\(deep)`")
        ) {
            try RE2Syntax.parse(deep)
        }
        // The wrapper counts: 999 groups are one level too many for a relabel regex (Go refuses them
        // too), and a run of literals is one level, as Go joins it into one string.
        let wrapped = String(repeating: "(", count: 999) + "a" + String(repeating: ")", count: 999)
        #expect(throws: RE2Syntax.Violation.self) { try RE2(wrapped) }
        _ = try RE2(String(repeating: "(", count: 998) + "(?:ab)c" + String(repeating: ")", count: 998))
        let shallower = String(repeating: "(", count: 900) + "a" + String(repeating: ")", count: 900)
        #expect(try RE2(shallower).match("a")?.count == 901)  // the whole match and 900 groups
        let large = "(?:" + String(repeating: "abcdefghij", count: 101) + "){1000}"
        #expect {
            try RE2(large)
        } throws: { error in
            (error as? RE2Syntax.Violation)?.description.hasPrefix("error parsing regexp: expression too large")
                ?? false
        }
    }

    /// Every script Go names is one Vigil takes (Swift's tables must know each by that name): Unicode
    /// 15.0's 161, and Common and Inherited.
    @Test func everyScriptGoNamesIsTaken() throws {
        #expect(RE2UnicodeProperty.scriptNames.count == 163)
        for name in RE2UnicodeProperty.scriptNames.sorted() {
            #expect((try? RE2(#"\p{"# + name + "}")) != nil, "\(name)")
        }
        #expect(try RE2(#"\p{Han}"#).matches("\u{4E2D}"))
    }

    /// A class of many `[:` that close nowhere is read in linear time (each looked for its `:]` again).
    @Test func manyOpenPOSIXClassesAreReadOnce() throws {
        let regex = try RE2("[" + String(repeating: "[:", count: 100_000) + "a]", standalone: true)
        #expect(regex.matches(":"))
        #expect(!regex.matches("b"))
    }

    @Test(
        arguments: [
            "(.*)", "go_.*", "cpu;(idle|user)|[^c].*;", "(?i)GET|post", "(?i:a)b", "(?s-m:a.)", "(?P<code>5..)",
            "(?<code>5..)", #"\d+\.\d+"#, #"[[:alpha:]_]\w*"#, #"\x41\x{263a}\101\0"#, #"\pL\p{Greek}\PN\p{^Han}"#,
            #"\Qa.b\E"#, "a{2,}b{,3}", "[]a]", "[^]a]", "a*?b+?c??", "(a|b)+", #"\[\]\(\)\{\}\*\+\?\.\^\$\|"#,
            // Refused while Vigil's engine backtracked; RE2 takes them, and so does Vigil's own engine now.
            "(a+)+", "(.|\\s)*x", "(a|ab)*c", "(x|y+){2,}", "(a{2,})*", "(|a)+", #"[\d\W]"#, "(?)a", "(?i)",
            "a{,3}", "a{", "a{1", "a{01}", #"\_"#, "[a-]", "[-a]", "[a-b-c]", "x{0}", "(?U)a+",
        ]
    )
    func takesWhatRE2Takes(pattern: String) throws {
        _ = try RE2Syntax.parse(pattern)
        _ = try RE2(pattern)
        _ = try RE2(pattern, standalone: true)
    }

    /// Relabelling wraps the pattern unparsed, as Prometheus's `NewRegexp` does, so `a)|(b` reads as
    /// `^(?s:a)|(b)$`: "a" at the start or "b" at the end. A label matcher parses it alone first and
    /// refuses it.
    @Test func anUnbalancedParenthesisIsRefusedOnlyWhereThePatternStandsAlone() throws {
        let wrapped = try RE2("a)|(b")
        #expect(wrapped.matches("axx"))
        #expect(wrapped.matches("xxb"))
        #expect(!wrapped.matches("xax"))
        #expect(throws: RE2Syntax.Violation.self) { try RE2("a)|(b", standalone: true) }
    }
}
