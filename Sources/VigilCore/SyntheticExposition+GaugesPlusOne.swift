extension SyntheticExposition {
    /// `body` (text 0.0.4: `name{labels} value [timestamp]`) with every value plus one except a counter's
    /// (a family its `# TYPE` line calls a counter: one that went down would read as a restart), so a
    /// target serving this and `body` in turn has every gauge varying. Comments, and lines whose value does
    /// not parse, are kept as they are. Written into one preallocated buffer: the bench measures resident
    /// memory after this, and large freed temporaries would be reused by the store unseen.
    public static func gaugesPlusOne(_ body: [UInt8]) -> [UInt8] {
        var varied: [UInt8] = []
        varied.reserveCapacity(body.count + body.count / 4)
        var counters: Set<ArraySlice<UInt8>> = []
        var lineStart = body.startIndex
        while lineStart < body.endIndex {
            let lineEnd = body[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? body.endIndex
            let line = body[lineStart..<lineEnd]
            lineStart = lineEnd + 1
            defer { if lineEnd < body.endIndex { varied.append(UInt8(ascii: "\n")) } }
            if let family = counterFamily(declaredBy: line) { counters.insert(family) }
            // A label value may hold spaces but no sample value or timestamp holds a brace, so the value
            // starts after the last `}`, or after the name where there are no labels.
            guard line.first != UInt8(ascii: "#"),
                let afterName = line.lastIndex(of: UInt8(ascii: "}")).map({ $0 + 1 })
                    ?? line.firstIndex(of: UInt8(ascii: " ")),
                !isCounter(line[..<(line.firstIndex(of: UInt8(ascii: "{")) ?? afterName)], counters)
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

    /// The family a `# TYPE name counter` line declares.
    private static func counterFamily(declaredBy line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let words = line.split(separator: UInt8(ascii: " "))
        guard words.count == 4, words[0].elementsEqual("#".utf8), words[1].elementsEqual("TYPE".utf8),
            words[3].elementsEqual("counter".utf8)
        else { return nil }
        return ArraySlice(words[2])
    }

    /// Whether a sample named `name` belongs to a counter family (`name`, or `name` less `_total`).
    private static func isCounter(_ name: ArraySlice<UInt8>, _ counters: Set<ArraySlice<UInt8>>) -> Bool {
        let trimmed = name.drop { $0 == UInt8(ascii: " ") }.prefix { $0 != UInt8(ascii: " ") }
        return counters.contains(ArraySlice(trimmed))
            || (trimmed.count > 6 && trimmed.suffix(6).elementsEqual("_total".utf8)
                && counters.contains(ArraySlice(trimmed.dropLast(6))))
    }
}
