import Foundation

/// Replaces every identifying string with a stable placeholder (`NAMESPACE_1`, `NAME_2`, `IP_1`, `URL_1`,
/// `IMAGE_1`, `MESSAGE_3`) before text leaves the process, and puts the originals back in the answer.
///
/// Known names (the incident's namespace, workload, the objects its evidence and proposals name) are
/// registered first and replaced wherever they occur, longest first, so `checkout-8nwqj2prl` is one
/// placeholder and not `NAME_1-8nwqj2prl`. Then patterns catch what no field named: IPv4, IPv6 and MAC
/// addresses, URLs, container images, `kind/name` references and generated pod names. Masking errs on
/// the side of hiding: a name inside a longer word is hidden too, and comes back on unmasking.
public struct Masker: Sendable {
    /// Original → placeholder, and back.
    public private(set) var placeholders: [String: String] = [:]
    private var originals: [String: String] = [:]
    private var counts: [String: Int] = [:]

    public init() {}

    /// The placeholder for `raw` (registered on first sight): `NAMESPACE_1` for the first namespace.
    public mutating func placeholder(for raw: String, category: String) -> String {
        if let known = placeholders[raw] { return known }
        let number = (counts[category] ?? 0) + 1
        counts[category] = number
        let placeholder = "\(category)_\(number)"
        placeholders[raw] = placeholder
        originals[placeholder] = raw
        return placeholder
    }

    /// Messages withheld whole, longest first: replaced before any pattern runs, so a sentence that
    /// quotes one is caught before its names are masked (and would no longer match it).
    private var withheld: [String] = []

    /// The placeholder for a message written by the cluster (`MESSAGE_1`), hidden whole wherever a
    /// later ``mask(_:)`` finds it quoted.
    public mutating func withhold(_ message: String) -> String {
        let placeholder = placeholder(for: message, category: "MESSAGE")
        if !message.isEmpty, !withheld.contains(message) {
            withheld.append(message)
            withheld.sort { ($0.count, $0) > ($1.count, $1) }
        }
        return placeholder
    }

    /// Registers `raw` as a name to hide wherever it occurs (empty strings and Kubernetes kinds are not names).
    public mutating func register(_ raw: String, category: String) {
        guard !raw.isEmpty else { return }
        _ = placeholder(for: raw, category: category)
    }

    /// `kind/name/…` with the kind kept and every other part registered and replaced; a reference
    /// without a kind (`web-7d9f-x2/app`, as anomalies name a pod and container) is all names.
    public mutating func object(_ reference: String) -> String {
        let parts = reference.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let kept = Self.kinds.contains(parts[0]) && parts.count > 1 ? 1 : 0
        for part in parts.dropFirst(kept) { register(part, category: "NAME") }
        return (parts.prefix(kept) + parts.dropFirst(kept).map { placeholders[$0] ?? $0 }).joined(separator: "/")
    }

    /// Whether a match that begins with `::` continues a word: a path in code (`serde::de`), not an
    /// address (Swift's `\b` is Unicode's word boundary, which `[::1]` has too, so it cannot tell them).
    static func isCodePath(_ range: Range<String.Index>, in text: String) -> Bool {
        guard text[range].hasPrefix("::"), range.lowerBound > text.startIndex else { return false }
        let before = text.unicodeScalars[text.unicodeScalars.index(before: range.lowerBound)]
        return before == "_" || before.properties.isAlphabetic || ("0"..."9").contains(before)
    }

    /// The kinds an incident's references start with: Kubernetes' vocabulary, not the cluster's names.
    static let kinds: Set<String> = [
        "pod", "deployment", "replicaset", "statefulset", "daemonset", "job", "cronjob", "node",
        "persistentvolumeclaim", "horizontalpodautoscaler", "namespace", "service", "alert",
    ]

    /// `text` with every withheld message, address, URL, image and generated name replaced, then every registered name
    /// (and every container a sentence names: `container app of …`).
    public mutating func mask(_ text: String) -> String {
        var masked = text
        // Withheld messages first, on the original text: a quote of one goes whole.
        for message in withheld {
            masked = masked.replacingOccurrences(of: message, with: placeholders[message] ?? "MESSAGE")
        }
        // Patterns next: a URL or image is hidden whole, names inside included.
        for (category, pattern) in Self.patterns {
            let found = masked.matches(of: pattern).filter { !Self.isCodePath($0.range, in: masked) }
                .map { String(masked[$0.range]) }
            // Longest first (a shorter match inside a longer one goes with it), then in the order they
            // appear: placeholders are numbered in this order, the same for the same text every time.
            var first: [String: Int] = [:]
            for (position, match) in found.enumerated() where first[match] == nil { first[match] = position }
            for match in first.keys.sorted(by: { ($1.count, first[$0]!) < ($0.count, first[$1]!) }) {
                masked = masked.replacingOccurrences(of: match, with: placeholder(for: match, category: category))
            }
        }
        for match in masked.matches(of: /\bcontainers? ([a-z0-9][a-z0-9.-]*[a-z0-9]|[a-z0-9])\b/) {
            register(String(match.1), category: "NAME")
        }
        for raw in placeholders.keys.sorted(by: { ($0.count, $0) > ($1.count, $1) }) {
            guard let replacement = placeholders[raw] else { continue }
            masked = Self.replacingWord(raw, with: replacement, in: masked)
        }
        return masked
    }

    /// `word` replaced where it stands alone: not inside a longer run of letters and digits, so the name
    /// `app` hides `app` and `app-7d9f` but leaves `happen` alone.
    static func replacingWord(_ word: String, with replacement: String, in text: String) -> String {
        guard !word.isEmpty else { return text }
        func isWordCharacter(_ character: Character?) -> Bool {
            guard let character else { return false }
            return character.isLetter || character.isNumber
        }
        var result = ""
        var rest = text[...]
        while let range = rest.range(of: word) {
            let before = range.lowerBound == rest.startIndex ? result.last : rest[rest.index(before: range.lowerBound)]
            let after = range.upperBound == rest.endIndex ? nil : rest[range.upperBound]
            let standsAlone =
                !(isWordCharacter(before) && isWordCharacter(word.first))
                && !(isWordCharacter(after) && isWordCharacter(word.last))
            result += rest[..<range.lowerBound]
            result += standsAlone ? replacement : String(rest[range])
            rest = rest[range.upperBound...]
        }
        return result + rest
    }

    /// `text` with every placeholder put back (longest first: `NAME_12` before `NAME_1`).
    public func unmask(_ text: String) -> String {
        var plain = text
        for placeholder in originals.keys.sorted(by: { ($0.count, $0) > ($1.count, $1) }) {
            plain = plain.replacingOccurrences(of: placeholder, with: originals[placeholder] ?? placeholder)
        }
        return plain
    }

    /// Order matters: URLs before images (a URL may hold one), images before `kind/name`, IPv6 before IPv4
    /// (an IPv6 address may end in one).
    nonisolated(unsafe) static let patterns: [(String, Regex<Substring>)] = [
        ("URL", /[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>)\]]+/),
        // IPv6 in RFC 4291's text forms: eight groups, or fewer around one `::` (`fd00::1`, `::1`), either
        // ending in a dotted IPv4 address (`::ffff:10.0.0.1`). A clock time (12:30:45) has neither eight
        // groups nor `::`, so it is left alone. A bare `::` says nothing and is left too, and so is a path
        // in code (`Result::expect`, `std::collections`): an address ends where a word would go on.
        (
            "IP",
            #/
            (?: \b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}
            | \b(?:[0-9a-fA-F]{1,4}:){6}(?:[0-9]{1,3}\.){3}[0-9]{1,3}
            | \b(?:[0-9a-fA-F]{1,4}:){0,6}[0-9a-fA-F]{1,4} ::
                (?:(?:[0-9a-fA-F]{1,4}:){0,5}(?:[0-9]{1,3}\.){3}[0-9]{1,3}
                    | (?:[0-9a-fA-F]{1,4}:){0,6}[0-9a-fA-F]{1,4})?
            | :: (?:(?:[0-9a-fA-F]{1,4}:){0,5}(?:[0-9]{1,3}\.){3}[0-9]{1,3}
                    | (?:[0-9a-fA-F]{1,4}:){0,6}[0-9a-fA-F]{1,4}) )
            (?![0-9A-Za-z_:])
            /#
        ),
        ("IP", /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/),
        // A MAC address names a machine as an IP address does.
        ("MAC", /\b[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\b/),
        ("IMAGE", /\b[a-z0-9][a-z0-9.-]*(?::[0-9]+)?(?:\/[a-z0-9._-]+)+(?::[A-Za-z0-9._-]+|@sha256:[a-f0-9]+)/),
        ("IMAGE", /\b[a-z][a-z0-9._-]*:v?[0-9][A-Za-z0-9._-]*\b/),
        // Generated names: a ReplicaSet's or pod's hash suffix uses Kubernetes' vowel-free alphabet.
        (
            "NAME",
            /\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-[bcdfghjklmnpqrstvwxz2-9]{5,10}(?:-[bcdfghjklmnpqrstvwxz2-9]{5})?\b/
        ),
    ]
}
