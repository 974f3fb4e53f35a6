import VigilCore

/// A `relabel_configs` / `metric_relabel_configs` entry, as Prometheus's `model/relabel/relabel.go`
/// applies it: the values of `sourceLabels`, joined by `separator`, are matched against `regex`,
/// anchored at both ends and with `.` matching a newline (`^(?s:…)$`, `NewRegexp`).
///
/// - `keep` drops what does not match, `drop` what does;
/// - `replace` sets `targetLabel` to `replacement` when the value matches, both expanded with the
///   match's groups (`$1`, `${name}`; see ``RelabelTemplate``); an empty result deletes the label, a
///   target that is no valid label name changes nothing, and no match changes nothing;
/// - `labelmap` copies every label whose *name* matches to the name `replacement` expands to;
/// - `labeldrop` / `labelkeep` delete the labels whose name matches / does not match.
///
/// Immutable and validated: the initializer compiles the regex once and keeps it, so a rule that exists
/// always matches (a settable `regex` once let a rule carry a pattern that trapped when compiled later).
public struct RelabelRule: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case keep, drop, replace, labelmap, labeldrop, labelkeep
    }

    /// Why a rule cannot be built, in Prometheus's words where it has some.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public let action: Action
    public let sourceLabels: [String]
    public let separator: String
    public let regex: String
    public let targetLabel: String
    public let replacement: String
    let compiled: RE2
    private let targetTemplate: RelabelTemplate
    private let replacementTemplate: RelabelTemplate
    /// The highest group a template names: a match records none above it (a pattern of thousands of
    /// groups would otherwise copy them all at every step of every thread).
    private let groupsNamed: Int

    /// Fails when `regex` is not RE2 syntax, with Go's `regexp/syntax` wording as Prometheus reports it
    /// (see ``RE2Syntax``); and, as Prometheus's `Config.Validate`, when `replace` has no `targetLabel`
    /// or one that is no label name (templates aside).
    public init(
        action: Action,
        sourceLabels: [String] = [],
        separator: String = ";",
        regex: String = "(.*)",
        targetLabel: String = "",
        replacement: String = "$1"
    ) throws {
        if action == .replace {
            guard !targetLabel.isEmpty else {
                throw Invalid(description: "relabel configuration for replace action requires 'target_label' value")
            }
            guard Self.isLabelNameTemplate(targetLabel) else {
                throw Invalid(description: "\"\(targetLabel)\" is invalid 'target_label' for replace action")
            }
        }
        if action == .labelmap, !Self.isLabelNameTemplate(replacement) {
            throw Invalid(
                description:
                    "\"\(replacement)\" is invalid 'replacement' for labelmap action (Vigil takes legacy label names only)"
            )
        }
        self.action = action
        self.sourceLabels = sourceLabels
        self.separator = separator
        self.regex = regex
        self.targetLabel = targetLabel
        self.replacement = replacement
        compiled = try RE2(regex)
        targetTemplate = RelabelTemplate(targetLabel)
        replacementTemplate = RelabelTemplate(replacement)
        groupsNamed = max(
            targetTemplate.highestGroup(names: compiled.groupNames),
            replacementTemplate.highestGroup(names: compiled.groupNames)
        )
    }

    /// Byte for byte, as Go compares strings: a reload that changes a pattern from one Unicode form to
    /// another (Swift's == takes them as equal) is a change.
    public static func == (lhs: RelabelRule, rhs: RelabelRule) -> Bool {
        func same(_ left: String, _ right: String) -> Bool { left.utf8.elementsEqual(right.utf8) }
        return lhs.action == rhs.action && lhs.sourceLabels.elementsEqual(rhs.sourceLabels, by: same)
            && same(lhs.separator, rhs.separator) && same(lhs.regex, rhs.regex)
            && same(lhs.targetLabel, rhs.targetLabel) && same(lhs.replacement, rhs.replacement)
    }

    /// Whether something with these labels survives a `keep` or `drop` rule (the other actions keep
    /// everything: they change labels, see ``apply(to:)``).
    public func keeps(_ labels: [(name: String, value: String)]) -> Bool {
        let joined = sourceLabels.map { name in labels.first { $0.name == name }?.value ?? "" }
            .joined(separator: separator)
        switch action {
        case .keep: return matches(joined)
        case .drop: return !matches(joined)
        case .replace, .labelmap, .labeldrop, .labelkeep: return true
        }
    }

    /// Applies the rule to `labels`; false when it drops what carries them.
    public func apply(to labels: inout [String: String]) -> Bool {
        let value = sourceLabels.map { labels[$0] ?? "" }.joined(separator: separator)
        switch action {
        case .keep: return matches(value)
        case .drop: return !matches(value)
        case .replace:
            guard let match = captures(value) else { return true }
            let target = targetTemplate.expand(captures: match, names: compiled.groupNames)
            guard Self.isLabelName(target) else { return true }
            let result = replacementTemplate.expand(captures: match, names: compiled.groupNames)
            labels[target] = result.isEmpty ? nil : result
        case .labelmap:
            // Over the labels as they were: a label mapped to a name the regex also matches is not
            // mapped again (Go's `Builder.Range` ranges over a copy). In name order, so where two names
            // map to one the later name's value wins, every time: Prometheus did so before its labels
            // builder; today its discovered labels arrive in Go's map order, and the winner varies.
            // An empty value is no label (Go's `Builder` holds it deleted, and `Range` passes it by); a name
            // a group expands to that is no legacy label name (`1x` from `__meta_x_(.+)`) is not set
            // either, where Prometheus with legacy names fails the target's scrapes for it (Prometheus 3's
            // UTF-8 names would keep it; Vigil's exposition carries legacy names only).
            for (name, value) in labels.sorted(by: { $0.key < $1.key }) where !value.isEmpty {
                guard let match = captures(name) else { continue }
                let target = replacementTemplate.expand(captures: match, names: compiled.groupNames)
                guard Self.isLabelName(target) else { continue }
                labels[target] = value
            }
        case .labeldrop:
            labels = labels.filter { !matches($0.key) }
        case .labelkeep:
            labels = labels.filter { matches($0.key) }
        }
        return true
    }

    private func matches(_ value: String) -> Bool { compiled.matches(value) }

    /// The whole match and the groups up to the highest the templates name, or nil without a match.
    private func captures(_ value: String) -> [Substring?]? { compiled.match(value, groups: groupsNamed) }

    /// A target label or labelmap replacement Prometheus's `Config.Validate` takes with legacy names: a
    /// label name, or one made of name characters and `$1`, `${name}` references (`relabelTargetLegacy`).
    static func isLabelNameTemplate(_ template: String) -> Bool {
        template.contains("$") ? legacyTemplate.matches(template) : isLabelName(template)
    }

    private static let legacyTemplate = try! RE2(#"(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+"#)

    /// Prometheus's legacy label name: `[a-zA-Z_][a-zA-Z0-9_]*` (what Vigil's exposition can carry).
    static func isLabelName(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.enumerated().allSatisfy { index, scalar in
                switch scalar {
                case "a"..."z", "A"..."Z", "_": true
                case "0"..."9": index > 0
                default: false
                }
            }
    }
}
