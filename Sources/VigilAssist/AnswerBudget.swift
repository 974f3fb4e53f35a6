/// Bounds an answer: agents pay for every byte they read, and a namespace can hold thousands of
/// incidents. Items are kept whole, in order, until the next would pass the budget; what is left out
/// is counted and the answer says how to ask for less.
public struct AnswerBudget: Sendable {
    /// Bytes of the whole answer, hint included (roughly 4 bytes a token: 16 KiB is about 4k tokens).
    public var maxBytes: Int
    /// Items, whatever their size.
    public var maxItems: Int

    public init(maxBytes: Int = 16 * 1024, maxItems: Int = 50) {
        self.maxBytes = maxBytes
        self.maxItems = maxItems
    }

    /// `{"total":N,"shown":K,"items":[…]}`, with `"truncated":"…"` naming how to narrow when K < N.
    public func render(_ items: [AssistItem], narrowing hint: String) -> String {
        let reserve = 160 + hint.utf8.count
        var used = reserve
        var kept: [String] = []
        for item in items.prefix(maxItems) {
            let size = item.json.utf8.count + 1
            guard used + size <= maxBytes else { break }
            kept.append(item.json)
            used += size
        }
        var answer = "{\"total\":\(items.count),\"shown\":\(kept.count),\"items\":[\(kept.joined(separator: ","))]"
        if kept.count < items.count {
            let left = items.count - kept.count
            answer +=
                ",\"truncated\":\(Self.quoted("\(left) more not shown (answer bounded to \(maxBytes) bytes, \(maxItems) items): \(hint)"))"
        }
        return answer + "}"
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
