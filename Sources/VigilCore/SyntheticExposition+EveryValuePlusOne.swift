extension SyntheticExposition {
    /// `body` (text 0.0.4: `name{labels} value [timestamp]`) with each sample's value plus one; comments,
    /// and lines whose value does not parse, are kept as they are. Written into one buffer: the bench
    /// measures resident memory after this, and freed temporaries would be reused by the store unseen.
    public static func everyValuePlusOne(_ body: [UInt8]) -> [UInt8] {
        var varied: [UInt8] = []
        varied.reserveCapacity(body.count + body.count / 4)
        var lineStart = body.startIndex
        while lineStart < body.endIndex {
            let lineEnd = body[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? body.endIndex
            let line = body[lineStart..<lineEnd]
            lineStart = lineEnd + 1
            defer { if lineEnd < body.endIndex { varied.append(UInt8(ascii: "\n")) } }
            // A label value may hold spaces but no sample value or timestamp holds a brace, so the value
            // starts after the last `}`, or after the name where there are no labels.
            guard line.first != UInt8(ascii: "#"),
                let afterName = line.lastIndex(of: UInt8(ascii: "}")).map({ $0 + 1 })
                    ?? line.firstIndex(of: UInt8(ascii: " "))
            else {
                varied.append(contentsOf: line)
                continue
            }
            let start = line[afterName...].firstIndex { $0 != UInt8(ascii: " ") } ?? line.endIndex
            let end = line[start...].firstIndex(of: UInt8(ascii: " ")) ?? line.endIndex
            guard let value = Double(String(decoding: line[start..<end], as: UTF8.self)) else {
                varied.append(contentsOf: line)
                continue
            }
            varied.append(contentsOf: line[..<start])
            varied.append(contentsOf: String(value + 1).utf8)
            varied.append(contentsOf: line[end...])
        }
        return varied
    }
}
