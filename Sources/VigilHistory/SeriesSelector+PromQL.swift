import VigilCore
public import VigilRules

extension SeriesSelector {
    /// The selector as PromQL, with `extra` matchers added (a namespace scope): each matcher written
    /// out, values quoted and escaped as PromQL reads them.
    public func promQL(adding extra: [(label: String, value: String)] = []) -> String {
        let own = matchers.map { ($0.label, $0.op.rawValue, $0.value) }
        // Added even when the selector has its own matcher on that label: PromQL ANDs them.
        let added = extra.map { ($0.label, "=", $0.value) }
        return Self.promQL(own + added)
    }

    /// `{label op "value", …}` from matchers given as parts (`("job", .equal, "node")`).
    public static func promQL(_ matchers: [(label: String, op: Operator, value: String)]) -> String {
        promQL(matchers.map { ($0.label, $0.op.rawValue, $0.value) })
    }

    private static func promQL(_ matchers: [(String, String, String)]) -> String {
        let parts = matchers.map { label, op, value in "\(label)\(op)\(goQuoted(value))" }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}
