import Foundation
import Testing
import VigilCore
import VigilHTTP
import VigilScrape
import VigilTestKit

/// Vigil's relabel regexes against the real thing: Debian's Prometheus is the oracle for Go's RE2
/// semantics. Each pattern is asked of Prometheus through PromQL's `label_replace`, which matches as a
/// `replace` relabel rule does (`FindStringSubmatchIndex`, then `ExpandString` of the replacement), and
/// of Vigil through ``RelabelRule``; every case must come out the same — the same `dst`, or no match on
/// both sides, or a refusal on both sides in the same words.
///
/// Two differences of the installed Prometheus (2.x) from the relabelling Vigil follows (3.x) are bridged
/// here, not papered over:
/// - 2.x wraps the pattern as `^(?:…)$`, 3.x as `^(?s:…)$`; the pattern goes to `label_replace` as
///   `(?s)…`, which sets the flag up to the wrapping group's `)`: exactly the scope of `(?s:…)`, even
///   for a pattern such as `a)|(b` that closes that group itself.
/// - 2.x's `label_replace` reports a bad pattern by quoting it, without Go's words. Go's words come from
///   Prometheus's configuration loader instead (`promtool check config` on a relabel rule), where Go
///   quotes the 2.x wrapping `^(?:…)$` in some messages; that prefix is read as 3.x's `^(?s:`.
///
/// The oracle's Go is the one Debian built that Prometheus with (1.19 for 2.42): it refuses the
/// `(?<name>…)` form that Go 1.22 took up, calling `(?<` an "invalid or unsupported Perl syntax" where a
/// later Go speaks of an "invalid named capture".
///
/// All disagreements are collected and reported in one issue, so one run shows them all.
@Suite(.serialized)
struct RE2PrometheusConformanceTests {
    let workspace = try! TemporaryDirectory("re2")

    @Test func handWrittenPatternsMatchAsInPrometheus() async throws {
        try await compare(Self.handWritten)
    }

    @Test func generatedPatternsMatchAsInPrometheus() async throws {
        try await compare(Self.generated)
    }

    @Test func invalidPatternsAreRefusedInGosWords() async throws {
        let cases = Self.invalid.map { Case($0, "a", "") }
        try await compare(cases)
    }

    /// `(?<name>…)`, which Go took up in 1.22 (Prometheus 3.x is built with a later Go): Vigil answers as
    /// Go 1.22 does, written out here; the oracle answers the same, or, built with an older Go (Debian's
    /// 2.42 is built with 1.19), refuses every `(?<` as Perl syntax it does not support.
    @Test func namedGroupsInGo122sFormAnswerAsGo122() async throws {
        let olderGo = Outcome.refused("error parsing regexp: invalid or unsupported Perl syntax: `(?<`")
        let cases: [(Case, Outcome)] = [
            (Case("(?<x>a)(b)", "ab", "b", replacement: "m${x}|${1}|${2}|${3}"), .replaced(["ma|a|b|", nil])),
            (Case("(?<=a)b", "ab"), .refused("error parsing regexp: invalid named capture: `(?<=a)b)$`")),
            (Case("(?<!a)b", "ab"), .refused("error parsing regexp: invalid named capture: `(?<!a)b)$`")),
            (Case("(?<>a)", "a"), .refused("error parsing regexp: invalid named capture: `(?<>`")),
        ]
        let (prometheus, api) = try await startPrometheus()
        defer { withExtendedLifetime(prometheus) {} }
        for (test, go122) in cases {
            #expect(Self.vigilOutcome(test) == go122, "\(test.pattern)")
            let oracle = try await prometheusOutcome(api, test)
            #expect(oracle == go122 || oracle == olderGo, "\(test.pattern): Prometheus \(oracle)")
        }
    }

    // MARK: - The comparison

    /// One pattern, the values it is matched against, and the replacement that shows the groups.
    struct Case: Sendable {
        let pattern: String
        let values: [String]
        let replacement: String

        /// Groups 1 to 4 after an `m`, so a match never yields the empty value (which deletes the label).
        static let groups = "m${1}|${2}|${3}|${4}"

        init(_ pattern: String, _ values: String..., replacement: String = groups) {
            self.init(pattern, values: values, replacement: replacement)
        }

        init(_ pattern: String, values: [String], replacement: String = groups) {
            self.pattern = pattern
            self.values = values
            self.replacement = replacement
        }
    }

    /// What one side made of a case: `dst` per value (nil: no match), or the pattern refused, and why.
    enum Outcome: Equatable, CustomStringConvertible {
        case replaced([String?])
        case refused(String)

        var description: String {
            switch self {
            case .replaced(let values):
                values.map { $0.map { String(reflecting: $0) } ?? "no match" }.joined(separator: ", ")
            case .refused(let why): "refused: \(why)"
            }
        }
    }

    /// The text before the quoted pattern in 2.x's answer to a bad `label_replace` regex (HTTP 422).
    static let refusalPrefix = "invalid regular expression in label_replace(): "

    /// Starts Prometheus, asks it and Vigil every case, and records every disagreement in one issue.
    func compare(_ cases: [Case]) async throws {
        let (prometheus, api) = try await startPrometheus()
        defer { withExtendedLifetime(prometheus) {} }
        var disagreements: [String] = []
        for test in cases {
            let expected = try await prometheusOutcome(api, test)
            let actual = Self.vigilOutcome(test)
            guard expected != actual else { continue }
            // Value by value where both matched, so the report names the values that differ.
            if case .replaced(let want) = expected, case .replaced(let got) = actual {
                for (index, value) in test.values.enumerated() where want[index] != got[index] {
                    disagreements.append(
                        "\(String(reflecting: test.pattern)) on \(String(reflecting: value)): "
                            + "Prometheus \(Outcome.replaced([want[index]])), Vigil \(Outcome.replaced([got[index]]))"
                    )
                }
            } else {
                disagreements.append(
                    "\(String(reflecting: test.pattern)) on \(test.values.map { String(reflecting: $0) }): "
                        + "Prometheus \(expected), Vigil \(actual)"
                )
            }
        }
        // One issue listing them all (an `#expect` would print the list twice, as its expression too).
        if !disagreements.isEmpty {
            Issue.record(
                "\(disagreements.count) disagreements over \(cases.count) patterns:\n\(disagreements.joined(separator: "\n"))"
            )
        }
    }

    /// Starts a Prometheus with nothing to scrape; returns it (it stops when released) and its API's URL
    /// once it is ready.
    func startPrometheus() async throws -> (TestPrometheus, String) {
        let prometheus = try await TestPrometheus.start(
            in: workspace,
            config: "global: {evaluation_interval: 1m}\nscrape_configs: []\n"
        )
        return (prometheus, prometheus.api)
    }

    /// Vigil's answer: a `replace` rule from `src` to `dst`, applied to each value.
    static func vigilOutcome(_ test: Case) -> Outcome {
        let rule: RelabelRule
        do {
            rule = try RelabelRule(
                action: .replace,
                sourceLabels: ["src"],
                regex: test.pattern,
                targetLabel: "dst",
                replacement: test.replacement
            )
        } catch {
            return .refused(String(describing: error))
        }
        return .replaced(
            test.values.map { value in
                var labels = ["src": value]
                _ = rule.apply(to: &labels)
                return labels["dst"]
            }
        )
    }

    /// Prometheus's answer, in one query per pattern: each value becomes a series `{case="i", src=value}`
    /// (the `or` of them), and one `label_replace` writes `dst` on those the pattern matches.
    func prometheusOutcome(_ api: String, _ test: Case) async throws -> Outcome {
        let series = test.values.enumerated().map { index, value in
            // `label_replace` expands `$` in its replacement: doubled, it stands for itself.
            let literal = Self.promQLString(value.replacingOccurrences(of: "$", with: "$$"))
            return #"label_replace(label_replace(vector(1), "case", "\#(index)", "", ""), "src", \#(literal), "", "")"#
        }
        let query =
            "label_replace(\(series.joined(separator: " or ")), \"dst\", \(Self.promQLString(test.replacement)), "
            + "\"src\", \(Self.promQLString("(?s)" + test.pattern)))"
        let (status, body) = try await fetch("\(api)/api/v1/query?query=\(Self.urlEncoded(query))")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(body)")
        if status == 422, let error = json["error"] as? String, error.hasPrefix(Self.refusalPrefix) {
            #expect(error == Self.refusalPrefix + "(?s)" + test.pattern, "Prometheus quotes the pattern")
            return .refused(try await goError(test.pattern))
        }
        try #require(status == 200, "\(test.pattern): HTTP \(status) \(body)")
        let result = try #require((json["data"] as? [String: Any])?["result"] as? [[String: Any]], "\(body)")
        var dst = [String?](repeating: nil, count: test.values.count)
        var seen = Set<Int>()
        for sample in result {
            let metric = try #require(sample["metric"] as? [String: String], "\(body)")
            let index = try #require(metric["case"].flatMap { Int($0) }, "\(body)")
            seen.insert(index)
            dst[index] = metric["dst"]
        }
        try #require(seen.count == test.values.count, "every value came back once: \(body)")
        return .replaced(dst)
    }

    /// Go's words for a pattern Prometheus refuses, from its configuration loader (see the suite's comment).
    func goError(_ pattern: String) async throws -> String {
        let file = workspace.file("relabel.yml")
        // A JSON string is a YAML double-quoted scalar.
        let quoted = String(
            decoding: try JSONEncoder.withoutEscapingSlashes.encode(pattern),
            as: UTF8.self
        )
        try """
        scrape_configs:
          - job_name: conformance
            relabel_configs:
              - {source_labels: [src], target_label: dst, regex: \(quoted), replacement: m}

        """.write(to: file, atomically: true, encoding: .utf8)
        let checked = try await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/promtool"),
            ["check", "config", file.path]
        )
        let marker = "parsing YAML file \(file.path): "
        let start = try #require(checked.output.range(of: marker), "promtool: \(checked.output)").upperBound
        let words = checked.output[start...].trimmingCharacters(in: .whitespacesAndNewlines)
        // 2.x's wrapping, where Go quotes the whole expression, read as 3.x's.
        guard let wrapped = words.range(of: "`^(?:") else { return words }
        return words.replacingCharacters(in: wrapped, with: "`^(?s:")
    }

    /// A PromQL double-quoted string: `\`, `"`, newline and tab escaped, other control characters as
    /// `\x..`; the rest (non-ASCII included) as it is, in UTF-8.
    static func promQLString(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": quoted += #"\\"#
            case "\"": quoted += #"\""#
            case "\n": quoted += #"\n"#
            case "\t": quoted += #"\t"#
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                quoted += #"\x"# + String(scalar.value, radix: 16).leftPadded(to: 2)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// Percent-encoding of everything but RFC 3986's unreserved ASCII characters (`.alphanumerics`
    /// would leave non-ASCII letters raw in the URL).
    static func urlEncoded(_ text: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
        )
        return text.addingPercentEncoding(withAllowedCharacters: unreserved)!
    }
}

extension JSONEncoder {
    fileprivate static var withoutEscapingSlashes: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

// MARK: - The corpus

extension RE2PrometheusConformanceTests {
    /// Patterns written for what RE2 (and Go's reading of it) does differently from backtracking
    /// engines and from one another, each with values on both sides of the edge.
    static let handWritten: [Case] = [
        // Literals, and the whole value: the pattern is anchored at both ends.
        Case("abc", "abc", "abcd", "xabc", "", "ABC"),
        Case("(abc)", "abc", "ab"),
        Case("", "", "a"),
        Case("(a)(b)(c)(d)(e)", "abcde", "abcd"),
        // `.`: any code point, a newline too (relabel's `(?s:`), unless `(?-s)`.
        Case("(.)", "a", "\n", "\r", "\u{E9}", "e\u{301}", "", "ab", "\u{1F600}"),
        Case("(..)", "e\u{301}", "\u{E9}", "\u{1F600}", "a\n"),
        Case("(e)(.)", "e\u{301}", "ee"),
        Case("(.*)", "", "a\nb", "\u{0}", "\n"),
        Case("(?-s)(.)", "a", "\n", "\r", ""),
        Case("(?-s)(.*)", "abc", "a\nb", "", "\n"),
        Case("(?-s:.)(.)", "\n\n", "a\n", "\na"),
        Case("(?s)(.)(?-s)(.)", "\na", "a\n", "\n\n"),
        // Classes: ranges, negation, `]` and `-` where they are literal, POSIX and Perl classes in them.
        Case("([a-c]+)", "abc", "abcd", "ABC", "", "b"),
        Case("([^a-c]+)", "xyz", "a", "\n", "\u{E9}", "x\u{301}"),
        Case("([]a]+)", "]a]", "a", "]", "b"),
        Case("([^]a]+)", "bc", "]", "b]", "\n"),
        Case("([a-]+)", "a-", "-", "b"),
        Case("([-a]+)", "-a", "a", "b"),
        Case("([a-b-c]+)", "ab-c", "b", "-", "c", "d"),
        Case("([[]+)", "[[", "]"),
        Case("([a-z&&b]+)", "&", "b", "&&a"),
        Case(#"([\]\-\\]+)"#, #"]-\"#, "a"),
        Case("([[:alpha:]]+)", "abcXYZ", "\u{E9}", "a1"),
        Case("([[:^digit:]]+)", "abc", "a1", "\u{E9}", "\n"),
        Case("([[:word:]]+)", "a_1", "a-b", "\u{E9}"),
        Case("([^[:alpha:]]+)", "123", "a", " "),
        Case("([[:alpha:][:digit:]]+)", "a1", "a_"),
        // A POSIX class cannot begin a range, so the `-` is literal.
        Case("([[:alpha:]-z]+)", "a-z", "-", "1"),
        Case("([[:space:]]+)", " \t\n\u{B}\u{C}\r", "\u{A0}"),
        Case(#"([\d.]+)"#, "1.5", "1,5", "\u{661}"),
        Case(#"([^\d\s]+)"#, "ab", "a b", "\u{E9}"),
        Case(#"([\x{100}-\x{10FFFF}]+)"#, "\u{101}", "\u{E9}", "\u{1F600}"),
        // Perl classes are ASCII.
        Case(#"(\d+)"#, "123", "\u{661}\u{662}", "12a"),
        Case(#"(\D+)"#, "abc", "1", "\u{E9}"),
        Case(#"(\s+)"#, " \t\n\r\u{C}", "\u{B}", "\u{A0}", "\u{2003}"),
        Case(#"(\S+)"#, "ab", " ", "\u{B}", "\u{A0}"),
        Case(#"(\w+)"#, "a_Z9", "\u{E9}", "a-b"),
        Case(#"(\W+)"#, "\u{E9}", "-", "a"),
        // Unicode classes.
        Case(#"(\pL+)"#, "abc", "\u{E9}", "\u{3B1}\u{3B2}", "1", "e\u{301}"),
        Case(#"(\p{Greek}+)"#, "\u{3B1}\u{3B2}\u{3B3}", "abc", "\u{3A9}", "\u{2126}"),
        Case(#"(\PL+)"#, "123", "a", "\u{301}"),
        Case(#"(\p{^Greek}+)"#, "abc", "\u{3B1}"),
        Case(#"(\P{^Greek}+)"#, "abc", "\u{3B1}"),
        Case(#"(\p{Lu}+)"#, "ABC", "abc", "\u{C9}"),
        Case(#"(?i)(\p{Lu}+)"#, "ABC", "abc", "\u{E9}"),
        Case(#"(e\pM*)"#, "e\u{301}", "e\u{301}\u{302}", "e"),
        Case(#"(\pN+)"#, "1\u{661}\u{2167}", "a"),
        Case(#"([\p{Greek}\d]+)"#, "\u{3B1}1", "a"),
        Case(#"([^\pL]+)"#, "12", "a"),
        // Flags and their scope: to the end of the group, across `|`.
        Case("(?i)abc", "ABC", "aBc", "abd"),
        Case("(?i:a)b", "Ab", "AB", "ab"),
        Case("a(?i)b|c", "aB", "C", "ac", "AB"),
        Case("(a(?i)b)c", "aBc", "aBC"),
        Case("(?i)a(?-i)b", "Ab", "AB"),
        Case("(?i)(?:a|(?-i)b)c", "AC", "BC", "bC"),
        Case("(?i-s:a.)", "A\n", "Ab"),
        Case("(?m)(^a$)", "a", "a\n"),
        Case("(?m)(a$\n^b)", "a\nb", "a\nc"),
        Case("(a$\n^b)", "a\nb"),
        Case("(a$\n?)", "a\n", "a"),
        Case("(?m)(a$\n?)", "a\n", "a"),
        Case("(a)(?m:$)(\n)", "a\n"),
        Case("(?U)(a+)(a*)", "aaa", "a"),
        Case("(?U)(a+?)(a*)", "aaa"),
        Case("(?U)(a*)(a*?)", "aa"),
        Case("(?iU)(A+)(a*)", "aaa"),
        // Lazy repetition: the groups show where each stopped.
        Case("(a*?)(a*)", "aaa", ""),
        Case("(a+?)(a*)", "aaa", "a"),
        Case("(a??)(a*)", "aa", ""),
        Case("(a{2,3}?)(a*)", "aaaaa", "aa", "a"),
        Case("(a{2,}?)(a*)", "aaaa"),
        Case("(.*?)(b+)", "abbb", "bbb"),
        Case("(.*?),(.*)", "a,b,c", ","),
        Case("(.*),(.*)", "a,b,c"),
        // Counted repetition, and braces that are no repetition (literal in Go).
        Case("(a{2})", "aa", "a", "aaa"),
        Case("(a{2,})", "aa", "aaaa", "a"),
        Case("(a{2,4})", "aaaa", "aaaaa", "a"),
        Case("(a{0})(b)", "b", "ab"),
        Case("(a{0,1})(b)", "ab", "b", "aab"),
        Case("((ab){2})", "abab", "ab"),
        Case("(a|b){3}", "abb", "ab"),
        Case("(a{1000})", String(repeating: "a", count: 1000), String(repeating: "a", count: 999)),
        Case("(a{,3})", "a{,3}", "aaa", "a"),
        Case("(a{)", "a{", "a"),
        Case("(a{1)", "a{1", "a"),
        Case("(a{1,2)", "a{1,2", "a"),
        Case("(a{01})", "a{01}", "a"),
        Case("(a{1,02})", "a{1,02}", "a"),
        Case("({)(a)", "{a"),
        Case("(a{x})", "a{x}"),
        // Alternation: leftmost-first (the first alternative that leads to a match), not longest.
        Case("(a|ab)(c|bcd)(d*)", "abcd", "abc", "ac"),
        Case("(ab|a)(c|bcd)(d*)", "abcd"),
        Case("(a|ab)*", "abab", "aab", "", "b"),
        Case("(a|ab)*(c)", "ababc", "c"),
        Case("(a|aa)*(a*)", "aaaa"),
        Case("(a*)(a|b)*", "aab", ""),
        Case("(|a)(a*)", "aa"),
        // A repeated group keeps its last iteration; an inner group keeps a value an iteration did not reset.
        Case("(a|b)*", "abba", "", "c"),
        Case("(a*)*", "aaa", "", "b"),
        Case("(a*)+", "aaa", ""),
        Case("(a?)*", "aa", ""),
        Case("(|a)*", "aa", ""),
        Case("(a|)+", "aa", ""),
        Case("(|a)+", "aa", ""),
        Case("(a*)+(b)", "aab", "b"),
        Case("(a(b)?)+", "aba", "ab", "a"),
        Case("((a)|(b))+", "ab", "ba", "aa"),
        Case("(?:(a)|b)+", "ab", "b"),
        Case("(?:(a)|(b))*", "abab", "ba"),
        Case("((a)|b)*", "ab"),
        // Nested captures.
        Case("((a)(b(c)))", "abc"),
        Case("(a(b(c(d))))", "abcd"),
        Case("(?:a(b)(?:c(d)))", "abcd"),
        // Named captures, by name and by number.
        Case("(?P<x>a)(b)", "ab", "b", replacement: "m${x}|${1}|${2}|${3}"),
        Case("(?P<x>a)|(?P<y>b)", "a", "b", replacement: "m${x}|${y}|${1}|${2}"),
        Case(#"(?P<first>\w+)\s(?P<second>\w+)"#, "hello world", "hello", replacement: "m${second} ${first}"),
        Case("(?P<x1_>a)", "a", replacement: "m${x1_}|${x1}"),
        // A name used twice: Go 1.19 takes it, and `${x}` is the first group of that name that took part.
        Case("(?P<x>a)(?P<x>b)", "ab", replacement: "m${x}|${1}|${2}"),
        Case("(?P<x>a)|(?P<x>b)", "a", "b", replacement: "m${x}|${1}|${2}"),
        // `${01}` is a name (nothing), `${1}` a number; a name of ASCII letters, digits and `_` only.
        Case("(a)", "a", replacement: "m${01}|${1}|${0001}"),
        Case("(?P<größe>a)", "a"),
        // Case folding: the dotless ı folds with nothing, a class holds its letters' orbits (the Kelvin,
        // Ohm and Ångström signs), a negated piece is folded before it is complemented.
        Case("(?i)i", "\u{131}", "I", "\u{130}"),
        Case("(?i)\u{131}", "I", "i", "\u{131}"),
        Case(#"(?i)[\x{2100}-\x{3FFF}]"#, "k", "\u{3C9}", "\u{E5}", "a"),
        Case(#"(?i)[^\x{2100}-\x{3FFF}]"#, "k", "a"),
        Case("(?i)[[:^lower:]]", "A", "a", "1"),
        Case(#"(?i)[\W]"#, "\u{212A}", "k", "-"),
        Case(#"(?i)[\P{Lu}]"#, "a", "1"),
        Case(#"(?i)\p{Mn}"#, "\u{3B9}", "a"),
        Case(#"(?i)\p{Greek}"#, "\u{B5}", "a"),
        // The replacement's own syntax ($name is the longest name; $$ is a dollar; a lone $ stays).
        Case("(a)(b)", "ab", replacement: "m$1x|$1.$2|$$|${2}${1}|$"),
        Case("(?P<x>a)", "a", replacement: "m$x$x|${x}-|$xx"),
        // Empty-width assertions; `\b` and `\B` are ASCII word boundaries.
        Case(#"(\ba\b)"#, "a", "ab"),
        Case(#"(a\b.)"#, "a b", "ab", "a\u{E9}"),
        Case(#"(a\B.)"#, "ab", "a b", "a\u{E9}"),
        Case(#"(\b)"#, ""),
        Case(#"(\B)"#, ""),
        Case(#"(\Aa)(.*)"#, "ab"),
        Case(#"(a\z)"#, "a", "a\n"),
        Case(#"(.*\z)"#, "a\n"),
        Case("(a$)", "a", "a\n"),
        Case("(^a)", "a"),
        Case("(a^b)", "ab"),
        Case("(a$|b)", "a", "b"),
        Case("(^$)", "", "a"),
        Case("(^)*(a)", "a"),
        Case(#"(\b*)(a)"#, "a"),
        // Escapes.
        Case(#"(\x41)"#, "A", "a"),
        Case(#"(\x{263a})"#, "\u{263A}"),
        Case(#"(\x{10FFFF})"#, "\u{10FFFF}"),
        Case(#"(\101)"#, "A"),
        Case(#"(\0)"#, "\u{0}", "0"),
        Case(#"(\08)"#, "\u{0}8"),
        Case(#"(\Qa.b\E)"#, "a.b", "axb"),
        Case(#"(\Qa(b\E)"#, "a(b"),
        Case(#"(\Q\E)(a)"#, "a"),
        Case(#"(\.)"#, ".", "a"),
        Case(#"(\_)"#, "_"),
        Case(##"(\ \-\/\#\~)"##, " -/#~"),
        Case(#"(\a\f\t\n\r\v)"#, "\u{7}\u{C}\t\n\r\u{B}"),
        // Case folding: Go's orbits (k, K, KELVIN SIGN; s, S, LONG S; the three sigmas), not full folding.
        Case("(?i)(k)", "K", "\u{212A}", "k"),
        Case("(?i)(\u{212A})", "k", "K"),
        Case("(?i)([k])", "\u{212A}"),
        Case("(?i)([a-z]+)", "\u{212A}\u{17F}", "AZ"),
        Case("(?i)(s)", "\u{17F}", "S"),
        Case("(?i)(\u{3C3})", "\u{3A3}", "\u{3C2}"),
        Case("(?i)(\u{3C2})", "\u{3A3}", "\u{3C3}"),
        Case("(?i)(\u{E9})", "\u{C9}", "e\u{301}"),
        Case("(?i)(\u{DF})", "\u{1E9E}", "ss", "SS"),
        Case("(?i)(\u{1C5})", "\u{1C4}", "\u{1C6}"),
        Case("(?i)(\u{130})", "i", "I"),
        Case("(\u{E9})", "\u{C9}", "e\u{301}"),
        // Relabelling wraps the pattern unparsed: a `)` closes the wrapping group (`^(?s:a)|(b)$`), and the
        // alternatives are anchored at one end only.
        Case("a)|(b", "a", "b", "ab", "xb", "ax", ""),
        Case("a)|b|(c", "xbx", "c", "a", ""),
        Case("a)(b", "ab", "a"),
        Case(")(", ""),
        // Exponential for backtracking engines, linear for RE2.
        Case(
            "(a?){25}a{25}",
            String(repeating: "a", count: 25),
            String(repeating: "a", count: 24),
            String(repeating: "a", count: 50)
        ),
        Case("(a|aa)*b", String(repeating: "a", count: 30), String(repeating: "a", count: 30) + "b"),
        Case("(a+)+b", String(repeating: "a", count: 30), String(repeating: "a", count: 30) + "b"),
        Case("(a*)*b", String(repeating: "a", count: 30), "aab"),
        Case("(x+x+)+y", String(repeating: "x", count: 30), "xxy"),
        Case(#"(\w+\s?)+$"#, String(repeating: "word ", count: 10) + "!", "a b"),
        Case("(.*a){12}", String(repeating: "a", count: 11) + String(repeating: "b", count: 20)),
    ]

    /// Patterns Go refuses, each in its own way (and some only once wrapped, as `\Qab` or a trailing `\`).
    static let invalid: [String] = [
        "(?=x)", "(?!x)", "(?P=n)", "(?P>n)", #"\1"#, #"\8"#, #"\Z"#, #"\C"#, #"\e"#,
        "\\\u{E9}", "[z-a]", "[[:foo:]]", #"\p{Foo}"#, #"\p"#, #"\pX"#, "a**", "a*+", "a++", "a??*", "*a", "+a",
        "?a", "a|*", "(*)", "{2}", "a{2}*", "x{2}{3}", "a{1001}", "a{1001,}", "a{2,1}", "(a{100}){100}",
        "((((a{10}){10}){10}){10})", "(a", "[a", "[]", "a)", "(a))", #"\x{110000}"#, #"\x{}"#, #"\x4"#, #"\xg0"#,
        "(?P<>a)", "(?P<a-b>x)", #"a\"#, "(?i", "(?", "(?)", "(?x)a", "(?i-)a",
        "(?-)a", "[a-\\d]", #"\Qab"#, String(repeating: "(", count: 1001) + String(repeating: ")", count: 1001),
    ]

    /// ~300 patterns from a small grammar, from a fixed seed (the same every run), each against 4 values:
    /// two drawn from the pattern itself (so most of them match, anchors and `\b` aside) and two at random.
    static let generated: [Case] = {
        var random = SplitMix(state: 0x5EED_0000_0000_2E2)
        return (0..<300).map { _ in
            let node = GeneratedPattern.expression(depth: 0, &random)
            let values = [node.sample(&random), node.sample(&random), randomValue(&random), randomValue(&random)]
            return Case(node.pattern, values: values)
        }
    }()

    /// 0 to 6 characters, mostly `a` and `b`.
    static func randomValue(_ random: inout SplitMix) -> String {
        (0..<random.below(7)).map { _ in random.pick(GeneratedPattern.alphabet) }.joined()
    }
}

/// A pattern of the generated corpus, as a tree: atoms joined, alternated, repeated and grouped, depth
/// at most 3. What is repeated is an atom or a group, so the pattern is valid RE2 (`a**` is not).
indirect enum GeneratedPattern {
    case atom(String)
    case concatenation([GeneratedPattern])
    case alternation(GeneratedPattern, GeneratedPattern, capturing: Bool)
    case repetition(GeneratedPattern, operator: String, least: Int, most: Int?)
    case group(GeneratedPattern, capturing: Bool)

    static let atoms = ["a", "b", ".", "[ab]", "[^a]", #"\w"#, #"\d"#, "(?i:a)", "^", "$", #"\b"#]
    /// The characters of the values, `a` and `b` more often.
    static let alphabet = ["a", "a", "a", "b", "b", "A", "1", " ", "\n", "\u{E9}"]

    static func expression(depth: Int, _ random: inout SplitMix) -> GeneratedPattern {
        if depth >= 3 || random.below(4) == 0 { return .atom(random.pick(atoms)) }
        switch random.below(5) {
        case 0:
            return .concatenation((0..<(2 + random.below(2))).map { _ in expression(depth: depth + 1, &random) })
        case 1:
            let (left, right) = (expression(depth: depth + 1, &random), expression(depth: depth + 1, &random))
            return .alternation(left, right, capturing: random.below(2) == 0)
        case 2:
            let operand: GeneratedPattern =
                random.below(2) == 0
                ? .atom(random.pick(atoms))
                : .group(expression(depth: depth + 1, &random), capturing: random.below(2) == 0)
            let least = random.below(3)
            let most = least + random.below(2)
            let (text, low, high): (String, Int, Int?) = random.pick([
                ("*", 0, nil), ("+", 1, nil), ("?", 0, 1), ("*?", 0, nil), ("+?", 1, nil), ("??", 0, 1),
                ("{\(least)}", least, least), ("{\(least),}", least, nil), ("{\(least),\(most)}", least, most),
                ("{\(least),\(most)}?", least, most),
            ])
            return .repetition(operand, operator: text, least: low, most: high)
        default:
            return .group(expression(depth: depth + 1, &random), capturing: random.below(2) == 0)
        }
    }

    var pattern: String {
        switch self {
        case .atom(let text): text
        case .concatenation(let parts): parts.map(\.pattern).joined()
        case .alternation(let left, let right, let capturing):
            (capturing ? "(" : "(?:") + "\(left.pattern)|\(right.pattern))"
        case .repetition(let operand, let text, _, _): operand.pattern + text
        case .group(let inside, let capturing): (capturing ? "(" : "(?:") + "\(inside.pattern))"
        }
    }

    /// A value the pattern is likely to match: each atom's character, unbounded repetition up to 3 times.
    func sample(_ random: inout SplitMix) -> String {
        switch self {
        case .atom(let text):
            switch text {
            case "a", "b": return text
            case ".": return random.pick(Self.alphabet)
            case "[ab]": return random.pick(["a", "b"])
            case "[^a]": return random.pick(["b", "A", "1", " ", "\n", "\u{E9}"])
            case #"\w"#: return random.pick(["a", "b", "A", "1"])
            case #"\d"#: return "1"
            case "(?i:a)": return random.pick(["a", "A"])
            default: return ""  // ^, $, \b: empty-width
            }
        case .concatenation(let parts): return parts.map { $0.sample(&random) }.joined()
        case .alternation(let left, let right, _):
            return random.below(2) == 0 ? left.sample(&random) : right.sample(&random)
        case .repetition(let operand, _, let least, let most):
            let count = least + random.below((most ?? least + 3) - least + 1)
            return (0..<count).map { _ in operand.sample(&random) }.joined()
        case .group(let inside, _): return inside.sample(&random)
        }
    }
}

extension SplitMix {
    fileprivate mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}
