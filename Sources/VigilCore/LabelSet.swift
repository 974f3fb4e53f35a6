/// A series identity: its labels, `__name__` included, sorted by name as Prometheus sorts them, each
/// name and value an interned ``Symbol``.
public struct LabelSet: Hashable, Sendable {
    public struct Label: Hashable, Sendable {
        public var name: Symbol
        public var value: Symbol
    }

    public private(set) var labels: [Label]

    /// Labels already in a label set's order (as a store keeps them).
    init(sortedLabels: [Label]) {
        labels = sortedLabels
    }

    /// Interns `pairs` (in any order) into a sorted label set.
    public init(_ pairs: [(name: String, value: String)], symbols: SymbolTable) {
        labels = Self.sorted(pairs).map { Label(name: symbols.intern($0.name), value: symbols.intern($0.value)) }
    }

    /// The label set of `pairs` when every name and value is interned already, else nil (then no
    /// series with these labels can exist); interns nothing.
    public init?(existing pairs: [(name: String, value: String)], symbols: SymbolTable) {
        var labels: [Label] = []
        labels.reserveCapacity(pairs.count)
        for pair in Self.sorted(pairs) {
            guard let name = symbols.existing(pair.name), let value = symbols.existing(pair.value) else { return nil }
            labels.append(Label(name: name, value: value))
        }
        self.labels = labels
    }

    /// `pairs` in a label set's order: by name, byte-wise.
    public static func sorted(_ pairs: [(name: String, value: String)]) -> [(name: String, value: String)] {
        pairs.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// The labels as strings, in sorted order.
    public func pairs(in symbols: SymbolTable) -> [(name: String, value: String)] {
        labels.map { (symbols[$0.name], symbols[$0.value]) }
    }

    /// Prometheus's rendering: `name{a="1", b="2"}`.
    public func description(in symbols: SymbolTable) -> String {
        Self.description(of: pairs(in: symbols))
    }

    /// Prometheus's rendering of labels given as strings (`__name__` among them).
    public static func description(of pairs: [(name: String, value: String)]) -> String {
        var name = ""
        var rest: [String] = []
        for (labelName, value) in pairs {
            if labelName == "__name__" {
                name = value
            } else {
                let escaped = value.escapedAsLabelValue
                rest.append("\(labelName)=\"\(escaped)\"")
            }
        }
        return rest.isEmpty ? name : "\(name){\(rest.joined(separator: ", "))}"
    }
}

extension String {
    /// Escapes `\`, `"` and newline as the exposition formats require inside a label value.
    public var escapedAsLabelValue: String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
