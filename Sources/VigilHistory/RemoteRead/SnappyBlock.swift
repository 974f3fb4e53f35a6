/// Snappy's block format, written as literals only: remote read requires its request body
/// snappy-compressed, the request is a few hundred bytes of matchers, and a stream of literals is a valid
/// snappy block every decoder reads — so no compressor (or libsnappy) is needed to speak it.
enum SnappyBlock {
    /// Literals of at most 64 KiB each, as Snappy's own encoder emits them.
    static let maximumLiteral = 1 << 16

    static func literals(_ input: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count + input.count / maximumLiteral * 3 + 8)
        // The preamble: the uncompressed length as a varint.
        var length = UInt64(input.count)
        while length >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: length) | 0x80)
            length >>= 7
        }
        output.append(UInt8(length))
        var start = 0
        while start < input.count {
            let count = min(maximumLiteral, input.count - start)
            let stored = count - 1
            // Tag byte: element type 00 (literal); lengths below 61 fit the tag's upper six bits,
            // longer ones follow it little-endian (60: one byte, 61: two).
            if stored < 60 {
                output.append(UInt8(stored << 2))
            } else if stored < 256 {
                output += [60 << 2, UInt8(stored)]
            } else {
                output += [61 << 2, UInt8(stored & 0xff), UInt8(stored >> 8)]
            }
            output += input[start..<start + count]
            start += count
        }
        return output
    }
}
