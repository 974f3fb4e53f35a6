/// Go's `regexp.Regexp.Expand`, which Prometheus's relabelling uses for `target_label` and
/// `replacement`: `$1`, `${1}`, `$name` and `${name}` stand for a capture group (an unmatched or
/// missing one for nothing), `$$` for a `$`. A name is the longest run of letters, digits and `_`, so
/// `$1x` means the group named `1x` (nothing), not group 1 then `x` — write `${1}x`. A number is at most
/// nine digits without a leading zero (`${01}` is a name); a name stands for the first group of that
/// name that took part in the match. A `$` that starts no reference is kept as it is.
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
        var rest = Substring(template)
        var text = ""
        while let dollar = rest.firstIndex(of: "$") {
            text += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "$" {
                text += "$"
                rest = after.dropFirst()
                continue
            }
            guard let (name, remainder) = Self.reference(after) else {
                text += "$"
                rest = after
                continue
            }
            if !text.isEmpty { pieces.append(.text(text)) }
            text = ""
            rest = remainder
            let isNumber =
                name.allSatisfy(\.isASCIIDigit) && (name.count == 1 || name.first != "0") && name.count <= 9
            pieces.append(isNumber ? .group(Int(name)!) : .named(String(name)))
        }
        text += rest
        if !text.isEmpty { pieces.append(.text(text)) }
        self.pieces = pieces
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
    private static func reference(_ text: Substring) -> (name: Substring, rest: Substring)? {
        if text.first == "{" {
            let inner = text.dropFirst()
            guard let close = inner.firstIndex(of: "}") else { return nil }
            let name = inner[..<close]
            guard !name.isEmpty, name.allSatisfy(\.isNameCharacter) else { return nil }
            return (name, inner[inner.index(after: close)...])
        }
        let name = text.prefix(while: \.isNameCharacter)
        return name.isEmpty ? nil : (name, text[name.endIndex...])
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    /// A letter, digit or `_`, as Go's `extract` reads a name (`unicode.IsLetter`/`IsDigit`).
    fileprivate var isNameCharacter: Bool { self == "_" || isLetter || isNumber }
}
