import Testing

@testable import VigilCore

/// Relabel regexes take exactly Go's RE2 syntax, as Prometheus does, with Go's error wording.
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
            // Go 1.22 reads (?< as a named capture, so a lookbehind is a bad name.
            ("(?<=a)b", "error parsing regexp: invalid named capture: `(?<=a)b`"),
            ("(?<!a>)b", "error parsing regexp: invalid named capture: `(?<!a>`"),
            // Backreferences and escapes RE2 lacks.
            (#"(a)\1"#, #"error parsing regexp: invalid escape sequence: `\1`"#),
            (#"\k<x>"#, #"error parsing regexp: invalid escape sequence: `\k`"#),
            (#"a\Z"#, #"error parsing regexp: invalid escape sequence: `\Z`"#),
            (#"[\8]"#, #"error parsing regexp: invalid escape sequence: `\8`"#),
            ("a\\", "error parsing regexp: trailing backslash at end of expression: ``"),
            // Possessive and stacked quantifiers.
            ("a*+", "error parsing regexp: invalid nested repetition operator: `*+`"),
            ("a**", "error parsing regexp: invalid nested repetition operator: `**`"),
            ("a+?+", "error parsing regexp: invalid nested repetition operator: `+?+`"),
            ("a{2}{3}", "error parsing regexp: invalid nested repetition operator: `{2}{3}`"),
            ("*a", "error parsing regexp: missing argument to repetition operator: `*`"),
            ("a{1001}", "error parsing regexp: invalid repeat count: `{1001}`"),
            ("a{3,2}", "error parsing regexp: invalid repeat count: `{3,2}`"),
        ]
    )
    func refusesWhatRE2Refuses(pattern: String, message: String) {
        #expect(throws: RE2Syntax.Violation(description: message)) { try RE2Syntax.check(pattern) }
        #expect(throws: RE2Syntax.Violation.self) { try RE2Syntax.anchored(pattern) }
    }

    @Test(
        arguments: [
            "(.*)", "go_.*", "cpu;(idle|user)|[^c].*;", "(?i)GET|post", "(?i:a)b", "(?s-m:a.)", "(?P<code>5..)",
            "(?<code>5..)", #"\d+\.\d+"#, #"[[:alpha:]_]\w*"#, #"\x41\x{263a}\101\0"#, #"\pL\p{Greek}"#,
            #"\Qa.b\E"#, "a{2,}b{,3}", "[]a]", "[^]a]", "a*?b+?c??", "(a|b)+", #"\[\]\(\)\{\}\*\+\?\.\^\$\|"#,
        ]
    )
    func takesWhatRE2Takes(pattern: String) throws {
        try RE2Syntax.check(pattern)
        _ = try RE2Syntax.anchored(pattern)
        _ = try RE2Syntax.anchored(pattern, standalone: true)
    }

    /// Literal in RE2, but a quantifier and a nested class to Swift: escaped, so they match as in RE2.
    @Test func bracesAndBracketsThatRE2ReadsAsLiteralsMatchThemselves() throws {
        let braces = try RE2Syntax.anchored("b{,3}")
        #expect(try braces.wholeMatch(in: "b{,3}") != nil)
        #expect(try braces.wholeMatch(in: "bbb") == nil)
        let bracket = try RE2Syntax.anchored("[a[]+")
        #expect(try bracket.wholeMatch(in: "a[a") != nil)
    }

    /// Anchored at both ends, `.` matching a newline, a code point at a time: as Prometheus's
    /// `^(?s:…)$` over Go's runes.
    @Test func anchoredMatchesWholeValuesCodePointByCodePoint() throws {
        let regex = try RE2Syntax.anchored("a.c")
        #expect(try regex.wholeMatch(in: "a\nc") != nil)
        #expect(try regex.wholeMatch(in: "xa-cx") == nil)
        #expect(try RE2Syntax.anchored("e.").wholeMatch(in: "e\u{301}x") == nil)
        #expect(try RE2Syntax.anchored("e..").wholeMatch(in: "e\u{301}x") != nil)
    }

    /// Relabelling wraps the pattern unparsed, as Prometheus's `NewRegexp` does, so `a)|(b` reads as
    /// `^(?s:a)|(b)$`; a label matcher parses it alone first and refuses it.
    @Test func anUnbalancedParenthesisIsRefusedOnlyWhereThePatternStandsAlone() throws {
        let wrapped = try RE2Syntax.anchored("a)|(b")
        #expect(try wrapped.wholeMatch(in: "a") != nil)
        #expect(throws: (any Error).self) { try RE2Syntax.anchored("a)|(b", standalone: true) }
    }

    /// RE2 matches in linear time; Swift's Regex backtracks, so a repeated group that repeats inside
    /// can take exponential time (`(a+)+$` on "aaaa…b"): Vigil refuses it and says why.
    /// Alternatives that may begin alike, repeated, backtrack the same way (`(.|\s)*x` on forty spaces
    /// tries 2⁴⁰ ways): refused. Alternatives that each begin with their own literal are taken, and so is
    /// any alternation that is not repeated.
    @Test(arguments: [
        ("(.|\\s)*x", false), ("(a|ab)*c", false), ("(\\d|\\w)+_total", false), ("(a|)*", false),
        ("(|a)+", false), ("(x|x){2,}", false), ("(?:[ab]|c)*", false), ("((a)|b)*", false),
        ("((.|\\s))*x", false), ("(a?b|b)*x", false), ("(a{0,1}b|b)+", false), ("(?i)(a|A)*", false),
        ("(?-i)(?i)(a|A)*", false), ("((?i)x)?(a|A)*", true),
        ("(?i:x)(a|A)*", true), ("(?i)(?-i)(a|A)*", true), ("(?i:(?-i:x)(a|A)*)", false),
        ("(ab?|b)*", true), ("(a{1}b|b)*", true), ("(?i)(a|b)*", true),
        ("(get|put)+", true), ("(?:a|b)*", true), ("(foo|bar)", true), ("(?:.+,|^)path:(/[^,]+).*", true),
        ("(.|\\s)", true), ("(a|ab)?", true), ("(a|ab){1}", true), ("(.)*", true),
    ])
    func refusesRepeatedAlternativesThatMayBeginAlike(pattern: String, taken: Bool) {
        let refusal: String?
        do {
            try RE2Syntax.check(pattern)
            refusal = nil
        } catch {
            refusal = error.description
        }
        if taken {
            #expect(refusal == nil, "\(pattern)")
        } else {
            #expect(refusal?.contains("alternatives may begin alike") == true, "\(pattern): \(refusal ?? "taken")")
        }
    }

    @Test(arguments: ["(a+)+", "(a*)*b", "(x|y+){2,}", "((ab)*c)+", "(a{2,})*"])
    func refusesNestedRepetition(pattern: String) {
        #expect {
            try RE2Syntax.check(pattern)
        } throws: { error in
            (error as? RE2Syntax.Violation)?.description.contains("Vigil's regex engine backtracks") ?? false
        }
    }
}
