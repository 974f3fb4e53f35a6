/// Go's `regexp.Regexp.Expand`, which Prometheus's relabelling uses for `target_label` and
/// `replacement`: `$1`, `${1}`, `$name` and `${name}` stand for a capture group (an unmatched or
/// missing one for nothing), `$$` for a `$`. A name is the longest run of code points that are letters
/// (any Unicode letter), decimal digits or `_`, as Go's `extract` reads it, so `$1x` means the group
/// named `1x` (nothing), not group 1 then `x` — write `${1}x`; a combining mark after `$1` is text. A
/// number is at most nine digits without a leading zero (`${01}` is a name); a name stands for the
/// first group of that name that took part in the match. A `$` that starts no reference is kept as it is.
///
/// Read once, when the rule is built.
struct RelabelTemplate: Sendable {
    enum Piece: Sendable {
        case text(String)
        case group(Int)
        case named(String)
    }

    let pieces: [Piece]

    init(_ template: String) {
        var pieces: [Piece] = []
        // Code point by code point, as Go reads bytes: a Character would join `1` and a combining mark.
        var rest = Substring(template).unicodeScalars[...]
        var text = String.UnicodeScalarView()
        while let dollar = rest.firstIndex(of: "$") {
            text += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "$" {
                text.append("$")
                rest = after.dropFirst()
                continue
            }
            guard let (name, remainder) = Self.reference(after) else {
                text.append("$")
                rest = after
                continue
            }
            if !text.isEmpty { pieces.append(.text(String(text))) }
            text = String.UnicodeScalarView()
            rest = remainder
            if let number = Self.number(name) {
                pieces.append(.group(number))
            } else if name.allSatisfy(\.isASCII) {
                pieces.append(.named(String(String.UnicodeScalarView(name))))
            }  // a group name is ASCII: another names none (and Swift's == would take the Kelvin sign for K)
        }
        text += rest
        if !text.isEmpty { pieces.append(.text(String(text))) }
        self.pieces = pieces
    }

    /// The group a name numbers, as Go reads it: ASCII digits below 10⁹ without a leading zero; nil for
    /// a name.
    private static func number(_ name: Substring.UnicodeScalarView) -> Int? {
        guard name.first != "0" || name.count == 1 else { return nil }
        var value = 0
        for scalar in name {
            guard ("0"..."9").contains(scalar), value < 100_000_000 else { return nil }
            value = value * 10 + Int(scalar.value - 48)
        }
        return value
    }

    /// `captures[0]` is the whole match, `captures[i]` group i; `names` maps a group name to its groups.
    func expand(captures: [Substring?], names: [String: [Int]]) -> String {
        var result = ""
        for piece in pieces {
            switch piece {
            case .text(let text): result += text
            case .group(let index): if index < captures.count, let captured = captures[index] { result += captured }
            case .named(let name):
                let captured = names[name]?.lazy.compactMap { $0 < captures.count ? captures[$0] : nil }.first
                if let captured { result += captured }
            }
        }
        return result
    }

    /// The highest group the template names (0 for none): a match need record no group above it.
    func highestGroup(names: [String: [Int]]) -> Int {
        pieces.reduce(0) { highest, piece in
            switch piece {
            case .text: highest
            case .group(let index): max(highest, index)
            case .named(let name): max(highest, names[name]?.max() ?? 0)
            }
        }
    }

    /// The name after a `$` (bare or in braces) and what follows it; nil when there is none.
    private static func reference(
        _ text: Substring.UnicodeScalarView
    ) -> (name: Substring.UnicodeScalarView, rest: Substring.UnicodeScalarView)? {
        if text.first == "{" {
            let inner = text.dropFirst()
            guard let close = inner.firstIndex(of: "}") else { return nil }
            let name = inner[..<close]
            guard !name.isEmpty, name.allSatisfy(isNameScalar) else { return nil }
            return (name, inner[inner.index(after: close)...])
        }
        let name = text.prefix(while: isNameScalar)
        return name.isEmpty ? nil : (name, text[name.endIndex...])
    }

    /// A letter, a decimal digit or `_`, as Go's `extract` reads a name (`unicode.IsLetter`, `IsDigit`).
    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber:
            true
        default: scalar == "_"
        }
    }
}
