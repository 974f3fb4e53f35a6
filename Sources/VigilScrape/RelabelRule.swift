/// A `metric_relabel_configs` entry with the `keep` or `drop` action: the values of `sourceLabels`,
/// joined by `separator`, are matched against `regex`, anchored at both ends as Prometheus anchors it.
/// `keep` drops the series that do not match, `drop` the ones that do.
///
/// Immutable and validated: the initializer compiles the regex once and keeps it, so a rule that exists
/// always matches (a settable `regex` once let a rule carry a pattern that trapped when compiled later).
public struct RelabelRule: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case keep, drop
    }

    public let action: Action
    public let sourceLabels: [String]
    public let separator: String
    public let regex: String
    /// Not `Sendable` only because `AnyRegexOutput` holds `Any`; the regex is never mutated after the
    /// initializer, and its lazily lowered program is published atomically, so sharing it is safe.
    nonisolated(unsafe) let compiled: Regex<AnyRegexOutput>

    /// Fails when `regex` is not RE2 syntax (with Go's `regexp/syntax` wording, as Prometheus reports
    /// it) or nests repetition (see ``RE2Syntax``), else with the regex engine's message when it does
    /// not compile.
    public init(action: Action, sourceLabels: [String], separator: String = ";", regex: String = "(.*)") throws {
        self.action = action
        self.sourceLabels = sourceLabels
        self.separator = separator
        self.regex = regex
        compiled = try Self.compile(regex)
    }

    public static func == (lhs: RelabelRule, rhs: RelabelRule) -> Bool {
        (lhs.action, lhs.sourceLabels, lhs.separator, lhs.regex) == (
            rhs.action, rhs.sourceLabels, rhs.separator, rhs.regex
        )
    }

    /// Whether something with these labels survives the rule.
    public func keeps(_ labels: [(name: String, value: String)]) -> Bool {
        let joined = sourceLabels.map { name in labels.first { $0.name == name }?.value ?? "" }
            .joined(separator: separator)
        let matches = (try? compiled.wholeMatch(in: joined)) != nil
        return action == .keep ? matches : !matches
    }

    /// Matched code point by code point, as Go's RE2 matches runes (Swift's default is by grapheme:
    /// "e" + a combining acute would be one `.`).
    static func compile(_ pattern: String) throws -> Regex<AnyRegexOutput> {
        let translated = try RE2Syntax.check(pattern)
        return try Regex("^(?:\(translated))$").matchingSemantics(.unicodeScalar)
    }
}
