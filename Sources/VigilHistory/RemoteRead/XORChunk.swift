/// Decodes Prometheus's XOR chunks (Gorilla's encoding with millisecond timestamps), the float samples
/// a streamed remote read carries as stored — no query evaluation, no JSON.
///
/// Layout: a big-endian 16-bit sample count; the first timestamp as a signed varint and the first value's
/// 64 bits; the second timestamp's delta as an unsigned varint; after that each timestamp as a
/// delta-of-delta in 1, 16, 20, 24 or 68 bits, and each value XORed with the previous, its meaningful bits
/// framed by leading-zero and length fields. Every read is bounds-checked: a truncated or corrupt chunk
/// is refused, never trapped on.
enum XORChunk {
    struct DecodeError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Appends the chunk's samples (milliseconds, value bits) to `times` and `values`.
    static func decode(
        _ chunk: UnsafeBufferPointer<UInt8>,
        times: inout [Int64],
        values: inout [Double]
    ) throws(DecodeError) {
        guard chunk.count >= 2 else { throw DecodeError(message: "chunk shorter than its header") }
        let count = Int(chunk[0]) << 8 | Int(chunk[1])
        guard count > 0 else { return }
        var reader = BitReader(UnsafeBufferPointer(rebasing: chunk[2...]))
        var time = try reader.signedVarint()
        var bits = try reader.bits(64)
        times.append(time)
        values.append(Double(bitPattern: bits))
        guard count > 1 else { return }
        var delta = Int64(bitPattern: try reader.unsignedVarint())
        var leading: UInt64 = 0
        var trailing: UInt64 = 0
        for index in 1..<count {
            if index > 1 {
                delta &+= try deltaOfDelta(&reader)
            }
            time &+= delta
            if try reader.bit() {
                if try reader.bit() {
                    leading = try reader.bits(5)
                    var meaningful = try reader.bits(6)
                    // 0 stands for 64: a value with no meaningful bits is written as the single 0 bit instead.
                    if meaningful == 0 { meaningful = 64 }
                    guard leading + meaningful <= 64 else {
                        throw DecodeError(
                            message: "sample \(index): \(leading) leading and \(meaningful) meaningful bits"
                        )
                    }
                    trailing = 64 - leading - meaningful
                }
                bits ^= try reader.bits(Int(64 - leading - trailing)) << trailing
            }
            times.append(time)
            values.append(Double(bitPattern: bits))
        }
    }

    /// The prefix 0, 10, 110, 1110 or 1111 says how many bits follow: none, 14, 17, 20 or 64, in two's
    /// complement of that width.
    private static func deltaOfDelta(_ reader: inout BitReader) throws(DecodeError) -> Int64 {
        guard try reader.bit() else { return 0 }
        guard try reader.bit() else { return signExtended(try reader.bits(14), 14) }
        guard try reader.bit() else { return signExtended(try reader.bits(17), 17) }
        guard try reader.bit() else { return signExtended(try reader.bits(20), 20) }
        return Int64(bitPattern: try reader.bits(64))
    }

    private static func signExtended(_ value: UInt64, _ width: Int) -> Int64 {
        // Prometheus's reader: values above 2^(width-1) are negative.
        value > 1 << (width - 1) ? Int64(value) - (1 << width) : Int64(value)
    }
}

/// Reads a chunk's bit stream most significant bit first, with its varints byte-aligned as Prometheus
/// writes them (the first two fields, before any sub-byte field).
struct BitReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var bitPosition = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func bit() throws(XORChunk.DecodeError) -> Bool {
        guard bitPosition < bytes.count * 8 else { throw XORChunk.DecodeError(message: "chunk truncated") }
        defer { bitPosition += 1 }
        return bytes[bitPosition >> 3] & (0x80 >> UInt8(bitPosition & 7)) != 0
    }

    mutating func bits(_ count: Int) throws(XORChunk.DecodeError) -> UInt64 {
        guard count <= bytes.count * 8 - bitPosition else { throw XORChunk.DecodeError(message: "chunk truncated") }
        var value: UInt64 = 0
        var remaining = count
        while remaining > 0 {
            let offset = bitPosition & 7
            let available = 8 - offset
            let take = min(available, remaining)
            let byte = UInt64(bytes[bitPosition >> 3])
            let chunk = (byte >> UInt64(available - take)) & ((1 << UInt64(take)) - 1)
            value = value << UInt64(take) | chunk
            bitPosition += take
            remaining -= take
        }
        return value
    }

    mutating func unsignedVarint() throws(XORChunk.DecodeError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            let byte = try bits(8)
            value |= (byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        throw XORChunk.DecodeError(message: "overlong varint")
    }

    mutating func signedVarint() throws(XORChunk.DecodeError) -> Int64 {
        let zigzag = try unsignedVarint()
        return Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
    }
}
