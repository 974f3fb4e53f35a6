/// A `metric_relabel_configs` entry with the `keep` or `drop` action: the values of `sourceLabels`,
/// joined by `separator`, are matched against `regex`, anchored at both ends as Prometheus anchors it.
/// `keep` drops the series that do not match, `drop` the ones that do.
public struct RelabelRule: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case keep, drop
    }

    public var action: Action
    public var sourceLabels: [String]
    public var separator: String
    public var regex: String

    /// Fails with the regex engine's message when `regex` does not compile.
    public init(action: Action, sourceLabels: [String], separator: String = ";", regex: String = "(.*)") throws {
        self.action = action
        self.sourceLabels = sourceLabels
        self.separator = separator
        self.regex = regex
        _ = try Self.compile(regex)
    }

    /// Whether something with these labels survives the rule (compiles the regex: for configuration
    /// time, not per sample).
    public func keeps(_ labels: [(name: String, value: String)]) -> Bool {
        CompiledRelabelRule(self).keeps(labels)
    }

    /// Matched code point by code point, as Go's RE2 matches runes (Swift's default is by grapheme:
    /// "e" + a combining acute would be one `.`).
    static func compile(_ pattern: String) throws -> Regex<AnyRegexOutput> {
        try Regex("^(?:\(pattern))$").matchingSemantics(.unicodeScalar)
    }
}

/// A ``RelabelRule`` with its regex compiled, ready to judge series.
struct CompiledRelabelRule {
    let rule: RelabelRule
    let regex: Regex<AnyRegexOutput>

    init(_ rule: RelabelRule) {
        self.rule = rule
        // The rule's initializer already compiled it once.
        regex = try! RelabelRule.compile(rule.regex)
    }

    /// Whether a series with these labels survives the rule (a missing label reads as empty).
    func keeps(_ labels: [(name: String, value: String)]) -> Bool {
        let joined = rule.sourceLabels.map { name in labels.first { $0.name == name }?.value ?? "" }
            .joined(separator: rule.separator)
        let matches = (try? regex.wholeMatch(in: joined)) != nil
        return rule.action == .keep ? matches : !matches
    }
}
