import Testing

@testable import VigilScrape

/// Relabelling as Prometheus's `model/relabel/relabel.go` does it. The rows are re-typed from
/// `relabel_test.go`'s `TestRelabel` (prometheus/prometheus at d15adb9ad7e5), with the input, the rules
/// and the labels Prometheus expects (nil: the target is dropped).
struct RelabelRuleTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var why: String
        var input: [String: String]
        var rules: @Sendable () throws -> [RelabelRule]
        var output: [String: String]?
        var testDescription: String { why }
    }

    static let rows: [Row] = [
        Row(
            why: "replace with ${1} twice",
            input: ["a": "foo", "b": "bar", "c": "baz"],
            rules: {
                [
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["a"],
                        regex: "f(.*)",
                        targetLabel: "d",
                        replacement: "ch${1}-ch${1}"
                    )
                ]
            },
            output: ["a": "foo", "b": "bar", "c": "baz", "d": "choo-choo"]
        ),
        Row(
            why: "two sources joined by the separator, then a rule reading the first rule's result",
            input: ["a": "foo", "b": "bar", "c": "baz"],
            rules: {
                [
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["a", "b"],
                        regex: "f(.*);(.*)r",
                        targetLabel: "a",
                        replacement: "b${1}${2}m"
                    ),
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["c", "a"],
                        regex: "(b).*b(.*)ba(.*)",
                        targetLabel: "d",
                        replacement: "$1$2$2$3"
                    ),
                ]
            },
            output: ["a": "boobam", "b": "bar", "c": "baz", "d": "boooom"]
        ),
        Row(
            why: "a drop before a replace: dropped",
            input: ["a": "foo"],
            rules: {
                [
                    try RelabelRule(action: .drop, sourceLabels: ["a"], regex: ".*o.*"),
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["a"],
                        regex: "f(.*)",
                        targetLabel: "d",
                        replacement: "ch$1-ch$1"
                    ),
                ]
            },
            output: nil
        ),
        Row(
            why: "the regex is anchored: .*(b).* captures the b of abc",
            input: ["a": "abc"],
            rules: { [try RelabelRule(action: .replace, sourceLabels: ["a"], regex: ".*(b).*", targetLabel: "d")] },
            output: ["a": "abc", "d": "b"]
        ),
        Row(
            why: "anchored: f|o does not match foo, nothing dropped",
            input: ["a": "foo"],
            rules: { [try RelabelRule(action: .drop, sourceLabels: ["a"], regex: "f|o")] },
            output: ["a": "foo"]
        ),
        Row(
            why: "keep without a match drops",
            input: ["a": "foo"],
            rules: { [try RelabelRule(action: .keep, sourceLabels: ["a"], regex: "no-match")] },
            output: nil
        ),
        Row(
            why: "replace without a match changes nothing",
            input: ["a": "boo"],
            rules: {
                [
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["a"],
                        regex: "f",
                        targetLabel: "b",
                        replacement: "bar"
                    )
                ]
            },
            output: ["a": "boo"]
        ),
        Row(
            why: "a target from $1, a missing group $2 for the value: empty, so the label is deleted",
            input: ["a": "foo", "f": "baz"],
            rules: {
                [
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["a"],
                        regex: "(f).*",
                        targetLabel: "$1",
                        replacement: "$2"
                    )
                ]
            },
            output: ["a": "foo"]
        ),
        Row(
            why: "labelmap copies matching names under ${1}",
            input: ["a": "foo", "b1": "bar", "b2": "baz"],
            rules: { [try RelabelRule(action: .labelmap, regex: "(b.*)", replacement: "bar_${1}")] },
            output: ["a": "foo", "b1": "bar", "b2": "baz", "bar_b1": "bar", "bar_b2": "baz"]
        ),
        Row(
            why: "labelmap of __meta labels, the way kubernetes jobs keep pod labels",
            input: ["a": "foo", "__meta_my_bar": "aaa", "__meta_my_baz": "bbb", "__meta_other": "ccc"],
            rules: { [try RelabelRule(action: .labelmap, regex: "__meta_(my.*)", replacement: "${1}")] },
            output: [
                "a": "foo", "__meta_my_bar": "aaa", "__meta_my_baz": "bbb", "__meta_other": "ccc", "my_bar": "aaa",
                "my_baz": "bbb",
            ]
        ),
        Row(
            why:
                "labelmap passes an empty value by: no label is empty (Go's Builder holds it deleted), none is deleted",
            input: ["__meta_pod_label_tier": "", "__meta_pod_label_app": "web", "tier": "old"],
            rules: { [try RelabelRule(action: .labelmap, regex: "__meta_pod_label_(.+)", replacement: "${1}")] },
            output: ["__meta_pod_label_tier": "", "__meta_pod_label_app": "web", "app": "web", "tier": "old"]
        ),
        Row(
            why: "a pod's label is not deleted by its service's empty one of the same name",
            input: ["__meta_kubernetes_pod_label_app": "web", "__meta_kubernetes_service_label_app": ""],
            rules: {
                [try RelabelRule(action: .labelmap, regex: "__meta_kubernetes_(?:pod|service)_label_(.+)")]
            },
            output: ["__meta_kubernetes_pod_label_app": "web", "__meta_kubernetes_service_label_app": "", "app": "web"]
        ),
        Row(
            why: "labelmap to no label name (a group that starts with a digit) sets nothing",
            input: ["__meta_x_1abc": "v", "__meta_x_ok": "w"],
            rules: { [try RelabelRule(action: .labelmap, regex: "__meta_x_(.+)")] },
            output: ["__meta_x_1abc": "v", "__meta_x_ok": "w", "ok": "w"]
        ),
        Row(
            why: "target and value both from groups",
            input: ["a": "some-name-value"],
            rules: {
                [
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["a"],
                        regex: "some-([^-]+)-([^,]+)",
                        targetLabel: "${1}",
                        replacement: "${2}"
                    )
                ]
            },
            output: ["a": "some-name-value", "name": "value"]
        ),
        Row(
            why: "a value from a missing group ${3} is empty: nothing set",
            input: ["a": "some-name-value"],
            rules: {
                [
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["a"],
                        regex: "some-([^-]+)-([^,]+)",
                        targetLabel: "${1}",
                        replacement: "${3}"
                    )
                ]
            },
            output: ["a": "some-name-value"]
        ),
        Row(
            why: "a target from a missing group is no label name: nothing set",
            input: ["a": "some-name-0"],
            rules: {
                [
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["a"],
                        regex: "some-([^-]+)-([^,]+)",
                        targetLabel: "${3}",
                        replacement: "${1}"
                    )
                ]
            },
            output: ["a": "some-name-0"]
        ),
        Row(
            why: "a real-life tag string: path and job pulled out with non-capturing groups",
            input: ["__meta_sd_tags": "path:/secret,job:some-job,label:foo=bar"],
            rules: {
                [
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["__meta_sd_tags"],
                        regex: "(?:.+,|^)path:(/[^,]+).*",
                        targetLabel: "__metrics_path__",
                        replacement: "${1}"
                    ),
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["__meta_sd_tags"],
                        regex: "(?:.+,|^)job:([^,]+).*",
                        targetLabel: "job",
                        replacement: "${1}"
                    ),
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["__meta_sd_tags"],
                        regex: "(?:.+,|^)label:([^=]+)=([^,]+).*",
                        targetLabel: "${1}",
                        replacement: "${2}"
                    ),
                ]
            },
            output: [
                "__meta_sd_tags": "path:/secret,job:some-job,label:foo=bar", "__metrics_path__": "/secret",
                "job": "some-job", "foo": "bar",
            ]
        ),
        Row(
            why: "prometheus#12283: labeldrop, then replace sets the dropped label again, then keep on it",
            input: [
                "__meta_kubernetes_pod_container_port_name": "foo",
                "__meta_kubernetes_pod_annotation_XXX_metrics_port": "9091",
            ],
            rules: {
                [
                    try RelabelRule(action: .labeldrop, regex: "^__meta_kubernetes_pod_container_port_name$"),
                    try RelabelRule(
                        action: .replace,
                        sourceLabels: ["__meta_kubernetes_pod_annotation_XXX_metrics_port"],
                        regex: "(.+)",
                        targetLabel: "__meta_kubernetes_pod_container_port_name",
                        replacement: "metrics"
                    ),
                    try RelabelRule(
                        action: .keep,
                        sourceLabels: ["__meta_kubernetes_pod_container_port_name"],
                        regex: "^metrics$"
                    ),
                ]
            },
            output: [
                "__meta_kubernetes_pod_annotation_XXX_metrics_port": "9091",
                "__meta_kubernetes_pod_container_port_name": "metrics",
            ]
        ),
        Row(
            why: "labelkeep keeps the matching names only",
            input: ["a": "foo", "b1": "bar", "b2": "baz"],
            rules: { [try RelabelRule(action: .labelkeep, regex: "(b.*)")] },
            output: ["b1": "bar", "b2": "baz"]
        ),
        Row(
            why: "labeldrop drops the matching names",
            input: ["a": "foo", "b1": "bar", "b2": "baz"],
            rules: { [try RelabelRule(action: .labeldrop, regex: "(b.*)")] },
            output: ["a": "foo"]
        ),
        Row(
            why: "defaults: regex (.*), replacement $1 copy a label; a missing source is the empty string",
            input: ["a": "foo"],
            rules: {
                [
                    try RelabelRule(action: .replace, sourceLabels: ["a"], targetLabel: "b"),
                    try RelabelRule(action: .replace, sourceLabels: ["missing"], targetLabel: "a"),
                ]
            },
            output: ["b": "foo"]
        ),
        Row(
            why: "(?s:…): . matches a newline, as NewRegexp compiles it",
            input: ["a": "foo\nbar"],
            rules: { [try RelabelRule(action: .keep, sourceLabels: ["a"], regex: "foo.bar")] },
            output: ["a": "foo\nbar"]
        ),
    ]

    @Test(arguments: rows) func relabelsAsPrometheus(_ row: Row) throws {
        var labels = row.input
        let kept = try row.rules().allSatisfy { $0.apply(to: &labels) }
        #expect((kept ? labels : nil) == row.output)
    }

    /// Go's `Regexp.Expand`: `$$`, a name is the longest word run (`$1x` is the group `1x`), braces,
    /// named groups, and a `$` that starts no name kept.
    @Test(arguments: [
        ("${1}x", "ax"), ("$1x", ""), ("$$1", "$1"), ("$", "$"), ("a$-b", "a$-b"), ("${name}", "b"), ("$name.", "b."),
        ("${1", "${1"), ("$9", ""),
        // Code point by code point: a combining mark after a number is text (it trapped, read as part
        // of the "number"), and a name is letters, decimal digits and `_` (`½`, `²` end it).
        ("$1\u{301}", "a\u{301}"), ("${1}\u{301}", "a\u{301}"), ("$$\u{301}", "$\u{301}"),
        ("${1\u{FE0F}}", "${1\u{FE0F}}"),
        ("$0\u{20E3}", "ab\u{20E3}"), ("$1\u{BD}", "a\u{BD}"), ("$name\u{B2}", "b\u{B2}"), ("${01}", ""),
        ("$1000000000", ""), ("$0001", ""),
    ])
    func templatesExpandAsGo(_ template: String, _ expected: String) throws {
        try expand(template, expected, regex: "(a)(?P<name>b)")
    }

    /// A group name is ASCII, so `${K}` written with the Kelvin sign names no group (Swift's == would take
    /// it for K), as in Go; and rules compare byte for byte, so a reload from one Unicode form of a
    /// pattern to another is a change.
    @Test func namesAndRulesCompareByteForByte() throws {
        try expand("x${\u{212A}}", "x", regex: "(?P<K>a)b")
        try expand("x${K}", "xa", regex: "(?P<K>a)b")
        #expect(try RelabelRule(action: .keep, regex: "\u{E9}") != RelabelRule(action: .keep, regex: "e\u{301}"))
        #expect(try RelabelRule(action: .keep, regex: "\u{E9}") == RelabelRule(action: .keep, regex: "\u{E9}"))
    }

    func expand(_ template: String, _ expected: String, regex: String) throws {
        let rule = try RelabelRule(
            action: .replace,
            sourceLabels: ["v"],
            regex: regex,
            targetLabel: "out",
            replacement: template
        )
        var labels = ["v": "ab"]
        _ = rule.apply(to: &labels)
        #expect(labels["out"] == (expected.isEmpty ? nil : expected))
    }

    /// Two names mapped to one: the later name's value wins (Prometheus's order before its labels
    /// builder) in every label set, whatever order its dictionary keeps its keys in.
    @Test func labelmapOfTwoNamesToOneKeepsTheLaterNamesValue() throws {
        let rule = try RelabelRule(action: .labelmap, regex: "__meta_(?:a|b)_(zone)", replacement: "${1}")
        // Thirty-two sets alive at once: each has its own storage, and so its own order of keys.
        var sets = (0..<32).map { ["__meta_a_zone": "from-a", "__meta_b_zone": "from-b", "pod": "web-\($0)"] }
        for index in sets.indices {
            #expect(rule.apply(to: &sets[index]))
            #expect(sets[index]["zone"] == "from-b", "\(sets[index])")
        }
    }

    @Test func replaceNeedsAValidTargetLabel() {
        #expect(throws: RelabelRule.Invalid.self) { try RelabelRule(action: .replace, sourceLabels: ["a"]) }
        #expect(throws: RelabelRule.Invalid.self) {
            try RelabelRule(action: .replace, sourceLabels: ["a"], targetLabel: "1bad")
        }
        #expect(throws: Never.self) { try RelabelRule(action: .replace, sourceLabels: ["a"], targetLabel: "${1}") }
        // A template of other characters than a name's, as Prometheus's relabelTargetLegacy refuses it.
        #expect(throws: RelabelRule.Invalid.self) {
            try RelabelRule(action: .replace, sourceLabels: ["a"], targetLabel: "foo.$1")
        }
        #expect(throws: Never.self) { try RelabelRule(action: .replace, sourceLabels: ["a"], targetLabel: "k8s_$1_x") }
    }

    @Test func labelmapNeedsAReplacementThatMakesALabelName() {
        #expect(
            throws: RelabelRule.Invalid(
                description:
                    "\"k8s-$1\" is invalid 'replacement' for labelmap action (Vigil takes legacy label names only)"
            )
        ) {
            try RelabelRule(action: .labelmap, regex: "__meta_(.+)", replacement: "k8s-$1")
        }
        #expect(throws: Never.self) {
            try RelabelRule(action: .labelmap, regex: "__meta_(.+)", replacement: "k8s_${1}")
        }
        #expect(throws: Never.self) { try RelabelRule(action: .labelmap, regex: "__meta_(.+)", replacement: "$1") }
    }
}
