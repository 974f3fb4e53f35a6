import Foundation

/// Shrinks one JSON item until it fits a byte budget, keeping its shape: the largest part is halved
/// each step — a list loses its later half (lists are strongest first), a text its end (marked `…`),
/// a list of one its element's largest part, then the element — so an incident whose evidence alone
/// passes the budget still shows its id, cause and as much of its strongest evidence as fits.
enum ItemCut {
    /// Texts this long or shorter are never cut.
    static let shortText = 32

    /// `json` cut to at most `bytes` bytes of JSON, or nil when even its skeleton does not fit (or it is
    /// not JSON).
    static func cut(_ json: String, toFit bytes: Int) -> String? {
        guard bytes > 2, var value = try? JSONSerialization.jsonObject(with: Data(json.utf8)) else { return nil }
        // Each step halves one list or text, the largest: a bounded number of steps, whatever the input.
        for _ in 0..<1024 {
            let text = encoded(value)
            if text.utf8.count <= bytes { return text }
            guard let smaller = shrunk(value) else { return nil }
            value = smaller
        }
        return nil
    }

    /// `value` with its largest list or text halved; nil when nothing is left to shrink.
    private static func shrunk(_ value: Any) -> Any? {
        switch value {
        case let text as String:
            // Ids, names and times are short and kept whole: only a text worth cutting is cut.
            guard text.count > Self.shortText else { return nil }
            return String(text.prefix(max(Self.shortText - 1, text.count / 2))) + "…"
        case let list as [Any]:
            if list.count > 1 { return Array(list.prefix(list.count / 2)) }
            // The last element is cut down first, and given up only when it cannot shrink further.
            guard let only = list.first else { return nil }
            return shrunk(only).map { [$0] } ?? []
        case let object as [String: Any]:
            // The largest member gives way first; a member that cannot shrink is left alone.
            let sizes = object.mapValues { encoded($0).utf8.count }
            // A kubectl command is never cut: without its tail (`-n NAMESPACE`) it acts on something else.
            for key in object.keys.sorted(by: { (sizes[$0] ?? 0, $0) > (sizes[$1] ?? 0, $1) }) where key != "kubectl" {
                if let value = object[key], let smaller = shrunk(value) {
                    var copy = object
                    copy[key] = smaller
                    return copy
                }
            }
            return nil
        default:
            return nil
        }
    }

    /// `value` as compact JSON, keys sorted as ``AssistItem`` encodes them.
    private static func encoded(_ value: Any) -> String {
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: options) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
