/// Go's `regexp.Regexp.Expand`, which Prometheus's relabelling uses for `target_label` and
/// `replacement`: `$1`, `${1}`, `$name` and `${name}` stand for a capture group (an unmatched or
/// missing one for nothing), `$$` for a `$`. A name is the longest run of letters, digits and `_`, so
/// `$1x` means the group named `1x` (nothing), not group 1 then `x` — write `${1}x`. A `$` that starts
/// no reference is kept as it is.
enum RelabelTemplate {
    /// `captures[0]` is the whole match, `captures[i]` group i; `names` maps a group name to its index.
    static func expand(_ template: String, captures: [Substring?], names: [String: Int]) -> String {
        guard template.contains("$") else { return template }
        var result = ""
        var rest = Substring(template)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.first == "$" {
                result += "$"
                rest = after.dropFirst()
                continue
            }
            guard let (name, remainder) = reference(after) else {
                result += "$"
                rest = after
                continue
            }
            rest = remainder
            let index = name.allSatisfy(\.isASCIIDigit) ? Int(name) : names[String(name)]
            if let index, index < captures.count, let captured = captures[index] { result += captured }
        }
        return result + rest
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
