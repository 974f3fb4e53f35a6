import Foundation
import Testing

@testable import VigilCore

/// What Vigil's RE2 engine matches and captures: Go's answers (checked against the real Prometheus in
/// Tests/VigilCLITests/RE2PrometheusConformanceTests.swift), in time linear in the value's length.
struct RE2MatchingTests {
    /// The groups of the whole-value match, as strings ("-" for a group that took no part).
    func groups(_ pattern: String, _ value: String) throws -> [String]? {
        try RE2(pattern).match(value)?.map { $0.map(String.init) ?? "-" }
    }

    @Test(
        arguments: [
            // Leftmost-first: the first alternative that leads to a match wins, not the longest.
            ("(a|ab)(c|bcd)(d*)", "abcd", ["abcd", "a", "bcd", ""]),
            // A repeated group keeps its last iteration.
            ("(a|b)*", "abab", ["abab", "b"]),
            ("(a|b)*", "", ["", "-"]),
            // A loop over what can match nothing, as Go since golang.org/issue/46123.
            ("(a*)*", "", ["", ""]),
            ("(a*)+", "aa", ["aa", "aa"]),
            ("(a?)*", "aa", ["aa", "a"]),
            ("(|a)*", "aa", ["aa", "a"]),
            // Greedy and lazy, and (?U), which swaps them.
            ("(a+?)(a*)", "aaa", ["aaa", "a", "aa"]),
            ("(a+)(a*)", "aaa", ["aaa", "aaa", ""]),
            ("(?U)(a+)(a*)", "aaa", ["aaa", "a", "aa"]),
            ("(?U)(a+?)(a*)", "aaa", ["aaa", "aaa", ""]),
            ("(a{1,2}?)(a*)", "aaa", ["aaa", "a", "aa"]),
            ("(a{2})(a{0,2})", "aaa", ["aaa", "aa", "a"]),
            // Optional groups that take no part.
            ("(a+)(b+)?", "aaa", ["aaa", "aaa", "-"]),
            ("(a)|(b)", "b", ["b", "-", "b"]),
            // Named groups count with the others.
            ("(?P<code>5)(..)", "503", ["503", "5", "03"]),
        ]
    )
    func capturesAsGo(pattern: String, value: String, expected: [String]) throws {
        #expect(try groups(pattern, value) == expected)
    }

    @Test func matchesTheWholeValueCodePointByCodePoint() throws {
        #expect(try RE2("a.c").matches("a\nc"))  // `(?s)`, as Prometheus wraps it
        #expect(try !RE2("(?-s:a.c)").matches("a\nc"))
        #expect(try !RE2("a.c").matches("xa-cx"))
        // `e` and a combining acute are two code points: `.` is one of them, as Go's runes.
        #expect(try !RE2("e.").matches("e\u{301}x"))
        #expect(try RE2("e..").matches("e\u{301}x"))
        // Compared byte for byte: a precomposed é is not e + combining acute (Swift's == says it is).
        #expect(try !RE2("\u{E9}").matches("e\u{301}"))
        #expect(try !RE2("\u{E9}|x").matches("e\u{301}"))
        #expect(try !RE2("(\u{E9})").matches("e\u{301}"))
    }

    @Test func foldsCaseAsGo() throws {
        // The Kelvin sign is a K, and the long s an s, either way round, in a literal or a class.
        for (pattern, value) in [
            ("(?i)k", "\u{212A}"), ("(?i)\u{212A}", "k"), ("(?i)[k]", "\u{212A}"), ("(?i)[\u{212A}]", "K"),
            ("(?i)s", "\u{17F}"), ("(?i)[a-z]+", "\u{17F}\u{212A}X"), ("(?i)\u{3C3}", "\u{3A3}"),
            ("(?i)\u{E9}", "\u{C9}"),
            ("(?i)[[:upper:]]", "a"), ("(?i)\\w", "\u{212A}"),
        ] {
            #expect(try RE2(pattern).matches(value), "\(pattern) \(value)")
        }
        #expect(try !RE2("(?i)[^k]").matches("\u{212A}"))
        #expect(try !RE2("(?i)\\W").matches("k"))
        // The dotless ı and the dotted İ fold with nothing (only Turkish folding pairs them with i).
        for (pattern, value) in [
            ("(?i)i", "\u{131}"), ("(?i)\u{131}", "I"), ("(?i)[i]", "\u{131}"), ("(?i)i", "\u{130}"),
        ] {
            #expect(try !RE2(pattern).matches(value), "\(pattern) \(value)")
        }
        // A class of any size holds its letters' other cases: the Kelvin, Ohm and Ångström signs here.
        for value in ["k", "K", "\u{3C9}", "\u{E5}"] {
            #expect(try RE2(#"(?i)[\x{2100}-\x{3FFF}]"#).matches(value), "\(value)")
            #expect(try !RE2(#"(?i)[^\x{2100}-\x{3FFF}]"#).matches(value), "\(value)")
        }
        // A negated piece is folded before it is complemented, as Go builds it.
        #expect(try !RE2("(?i)[[:^lower:]]").matches("A"))
        #expect(try !RE2("(?i)[[:^lower:]]").matches("a"))
        #expect(try !RE2(#"(?i)[\W]"#).matches("\u{212A}"))
        #expect(try !RE2(#"(?i)[\P{Lu}]"#).matches("a"))
        // Go's Unicode is 15.0: what came later is in no class and has no other case.
        #expect(try !RE2(#"(?i)\x{264}"#).matches("\u{A7CB}"))
        #expect(try !RE2(#"\p{Lu}"#).matches("\u{A7CB}"))
        #expect(try !RE2(#"\pL"#).matches("\u{10D50}"))
        #expect(try RE2(#"\PL"#).matches("\u{10D50}"))
        #expect(try RE2(#"\p{Old_Italic}"#).matches("\u{10300}"))
        // A Unicode class folded: U+0345 is a mark whose orbit holds ι; the micro sign is Common, with μ.
        #expect(try RE2(#"(?i)\p{Mn}"#).matches("\u{3B9}"))
        #expect(try RE2(#"(?i)\p{Greek}"#).matches("\u{B5}"))
        // A flag set inside a group ends with it; one set in an alternative holds for the next.
        #expect(try !RE2("(a(?i)b)c").matches("aBC"))
        #expect(try RE2("(a(?i)b)c").matches("aBc"))
        #expect(try RE2("(?i)a|b").matches("B"))
    }

    @Test func classesAndEscapesAsGo() throws {
        let cases: [(String, String, Bool)] = [
            ("[]a]+", "]a]", true), ("[^]a]", "b", true), ("[^]a]", "]", false), ("[a-]+", "-a", true),
            ("[a-b-c]+", "a-c", true), ("[a[]+", "a[a", true), ("b{,3}", "b{,3}", true), ("b{,3}", "bbb", false),
            ("a{01}", "a{01}", true), (#"\d+\.\d+"#, "1.5", true), (#"\d"#, "\u{661}", false), (#"\s"#, "\u{B}", false),
            ("[[:^digit:]]", "a", true), (#"[\d\W]+"#, "1 ;", true), (#"\pL+"#, "h\u{E9}llo", true),
            (#"\p{Greek}+"#, "\u{3B1}\u{3B2}", true), (#"\PL"#, "1", true), (#"\p{^Greek}"#, "a", true),
            (#"[\p{Greek}\d]+"#, "\u{3B1}1", true), (#"[^\PL]"#, "a", true),
            (#"\x41\x{263a}\101\0"#, "A\u{263A}A\u{0}", true),
            (#"\Qa.b\E"#, "a.b", true), (#"\Qa.b\E"#, "axb", false), (#"\_"#, "_", true),
            ("(?m)a$\nb", "a\nb", true), ("a$\nb", "a\nb", false), (#"\bfoo\b"#, "foo", true),
            (#"x\Bfoo"#, "xfoo", true),
            (#"\Afoo\z"#, "foo", true), ("x{0}y", "y", true), (".*", "anything\nat all", true), ("", "", true),
            ("", "x", false),
        ]
        for (pattern, value, matches) in cases {
            #expect(try RE2(pattern).matches(value) == matches, "\(pattern) on \(value)")
            #expect(try (RE2(pattern).match(value) != nil) == matches, "\(pattern) on \(value), capturing")
        }
    }

    /// Patterns a backtracking matcher takes time exponential in the value's length on: each answers
    /// here, long values included (the bit-state backtracker's marks end at 256 Kibit; past them the
    /// Pike VM runs).
    @Test func patternsThatBacktrackExponentiallyAnswer() throws {
        let long = String(repeating: "a", count: 30)
        #expect(try !RE2("(a|aa)*b").matches(long))
        #expect(try !RE2("(a+)+b").matches(long))
        #expect(try RE2("(a?){30}a{30}").matches(long))
        #expect(try !RE2("(.|\\s)*x").matches(String(repeating: " ", count: 40)))
        let huge = String(repeating: "a", count: 100_000)
        #expect(try !RE2("(a|aa)*b").matches(huge))
        #expect(try RE2("(a|aa)*").match(huge)?[0]?.count == 100_000)
    }

    /// The backtracker and the Pike VM are two ways to one answer: on generated patterns and values,
    /// with and without captures, they agree slot for slot. A third of the patterns hold `)|(`, which
    /// relabelling's wrapping leaves unanchored at one end (`^(?s:a)|(b)$`): a search from every position.
    @Test func theBacktrackerAndThePikeVMAgree() throws {
        var random = SplitMix(state: 42)
        let atoms = ["a", "b", ".", "[ab]", "[^a]", #"\w"#, #"\d"#, "(?i:a)", "^", "$", #"\b"#, "\u{E9}", "(?:)"]
        let suffixes = ["*", "+", "?", "*?", "+?", "??", "{1,2}", "{2}", "{0,3}?"]
        func pattern(_ depth: Int) -> String {
            if depth == 0 || random.below(3) == 0 { return atoms[random.below(atoms.count)] }
            switch random.below(6) {
            case 0: return pattern(depth - 1) + "|" + pattern(depth - 1)
            case 1: return "(" + pattern(depth - 1) + ")" + suffixes[random.below(suffixes.count)]
            case 2: return "(?:" + pattern(depth - 1) + ")" + suffixes[random.below(suffixes.count)]
            case 3: return "(" + pattern(depth - 1) + ")"
            default: return pattern(depth - 1) + pattern(depth - 1)
            }
        }
        let letters = ["a", "b", "A", "1", " ", "\n", "\u{E9}"]
        var compared = 0
        var matched = 0
        for round in 0..<1500 {
            let regex = try RE2(round % 3 == 0 ? pattern(2) + ")|(" + pattern(2) : pattern(3))
            guard let program = regex.program else { continue }  // a literal or `.*`: no machine runs
            for _ in 0..<4 {
                let value = (0..<random.below(7)).map { _ in letters[random.below(letters.count)] }.joined()
                let bytes = Array(value.utf8)
                for slotCount in [program.slotCount, 2, 0] {
                    let backtracked = bytes.withUnsafeBufferPointer {
                        RE2Backtracker.run(program, on: $0, slotCount: slotCount)
                    }
                    let pike = bytes.withUnsafeBufferPointer {
                        RE2Machine.run(program, on: $0, slotCount: slotCount)
                    }
                    #expect(backtracked == pike, "\(regex.pattern) on \(value.debugDescription)")
                    compared += 1
                    if pike != nil { matched += 1 }
                }
            }
        }
        // Enough of both answers that the agreement means something.
        #expect(matched > compared / 10 && matched < compared * 9 / 10, "\(matched) of \(compared) matched")
    }

    /// A list of literal names needs no program however long it is, and a case-insensitive one, which
    /// does, stays within the program's bound.
    @Test func longListsOfNamesAreTaken() throws {
        let names = (0..<4_000).map { "metric_name_number_\($0)_of_the_allowlist" }
        let list = try RE2(names.joined(separator: "|"))
        #expect(list.program == nil)
        #expect(list.matches("metric_name_number_3999_of_the_allowlist"))
        #expect(list.match("metric_name_number_7_of_the_allowlist")?.count == 1)
        #expect(!list.matches("metric_name_number_4000_of_the_allowlist"))
        let folded = try RE2("(?i)" + names.joined(separator: "|"))
        #expect(folded.matches("METRIC_NAME_NUMBER_3999_OF_THE_ALLOWLIST"))
    }

    /// Only the groups asked for are recorded: a match of 20,000 groups, of which a template names one,
    /// copies two slots a step, not 40,002.
    @Test func aMatchRecordsOnlyTheGroupsAskedFor() throws {
        let regex = try RE2(String(repeating: "(a?)", count: 20_000))
        let groups = try #require(regex.match("aaaa", groups: 1))
        #expect(groups.map { $0.map(String.init) } == ["aaaa", "a"])
        #expect(try RE2("(a)(b)").match("ab", groups: 0)?.count == 1)
    }

    /// A pattern nested nearly as deep as Prometheus allows a label matcher (three levels a group here,
    /// 997 in all, and its anchoring one more) compiles and matches on a thread with a 512 KiB stack (a
    /// macOS secondary thread's): the parser and the compiler keep stacks of their own. Two groups more
    /// are the most it takes (1,000 with the anchoring); three more are refused, as Prometheus refuses
    /// them.
    @Test func theDeepestPatternCompilesOnASmallStack() throws {
        let levels = 332
        let deep = String(repeating: "(?:a|(", count: levels) + "b" + String(repeating: ")*)", count: levels)
        _ = try RE2("((" + deep + "))", standalone: true)
        #expect(throws: RE2Syntax.Violation.self) { try RE2("(((" + deep + ")))", standalone: true) }
        let finished = Finished()
        let thread = Thread {
            finished.set((try? RE2(deep, standalone: true)).map { $0.matches("aaa") })
        }
        thread.stackSize = 512 * 1024
        thread.start()
        #expect(finished.wait() == true)
    }
}

/// A result handed from a thread to the test, once.
private final class Finished: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Bool??

    func set(_ value: Bool?) {
        condition.withLock {
            result = .some(value)
            condition.signal()
        }
    }

    func wait() -> Bool? {
        condition.withLock {
            while result == nil { condition.wait() }
            return result!
        }
    }
}
