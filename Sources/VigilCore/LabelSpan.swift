/// Where one `name="value"` pair sits in the input: byte offsets, so nothing is copied while parsing.
struct LabelSpan {
    var nameStart: Int
    var nameEnd: Int
    /// The value between the quotes, still escaped.
    var valueStart: Int
    var valueEnd: Int
    /// True when the value holds a backslash and must be unescaped before use.
    var isEscaped: Bool

    var nameRange: Range<Int> { nameStart..<nameEnd }
    var valueRange: Range<Int> { valueStart..<valueEnd }
}

enum LabelText {
    /// Unescapes a label value (or OpenMetrics HELP text): `\\`, `\"` and `\n` as both formats define them;
    /// any other backslash pair is kept as written, as Prometheus and the OpenMetrics reference parser do.
    static func unescaped(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, quoteEscapes: Bool = true) -> String
    {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index &+ 1 < range.upperBound {
                let next = bytes[index &+ 1]
                switch next {
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "\"") where quoteEscapes: out.append(UInt8(ascii: "\""))
                default:
                    out.append(byte)
                    out.append(next)
                }
                index &+= 2
            } else {
                out.append(byte)
                index &+= 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Unicode scalars of the unescaped value, as the OpenMetrics exemplar length limit counts them.
    static func unescapedScalarCount(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var count = ByteScanning.utf8ScalarCount(bytes, range) ?? range.count
        var index = range.lowerBound
        while index &+ 1 < range.upperBound {
            if bytes[index] == UInt8(ascii: "\\") {
                let next = bytes[index &+ 1]
                if next == UInt8(ascii: "\\") || next == UInt8(ascii: "n") || next == UInt8(ascii: "\"") { count -= 1 }
                index &+= 2
            } else {
                index &+= 1
            }
        }
        return count
    }
}
