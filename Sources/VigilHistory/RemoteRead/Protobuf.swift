/// The few pieces of the protobuf wire format remote read needs (varints, tags, length-delimited
/// fields), written and read by hand: five small messages do not justify swift-protobuf and its
/// generated code.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// A varint field (wire type 0); an `int64` is written as its two's complement, as protobuf does.
    mutating func field(_ number: Int, int64 value: Int64) {
        varint(UInt64(number << 3))
        varint(UInt64(bitPattern: value))
    }

    /// A length-delimited field (wire type 2): bytes, a string or an embedded message.
    mutating func field(_ number: Int, bytes value: [UInt8]) {
        varint(UInt64(number << 3 | 2))
        varint(UInt64(value.count))
        bytes += value
    }

    mutating func field(_ number: Int, string value: String) { field(number, bytes: Array(value.utf8)) }
}

/// Reads the fields of one protobuf message, refusing rather than trapping on any truncation or
/// length that points past the end.
struct ProtobufReader {
    /// One field: its number, and either its varint or the range of its length-delimited payload.
    enum Value {
        case varint(UInt64)
        case bytes(Range<Int>)
    }

    struct DecodeError: Error, CustomStringConvertible {
        var offset: Int
        var message: String
        var description: String { "byte \(offset): \(message)" }
    }

    let buffer: UnsafeBufferPointer<UInt8>
    private(set) var position: Int
    let end: Int

    init(_ buffer: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        self.buffer = buffer
        position = range.lowerBound
        end = range.upperBound
    }

    /// The next field, or nil at the end of the message. Fixed-width fields are skipped over by the
    /// caller's `default:` like any unknown field; groups (deprecated) are refused.
    mutating func next() throws(DecodeError) -> (number: Int, value: Value)? {
        guard position < end else { return nil }
        let start = position
        let tag = try varint()
        let number = Int(truncatingIfNeeded: tag >> 3)
        guard number > 0 else { throw DecodeError(offset: start, message: "field number 0") }
        switch tag & 7 {
        case 0: return (number, .varint(try varint()))
        case 1: return (number, .bytes(try take(8)))
        case 2:
            let length = try varint()
            guard length <= UInt64(end - position) else {
                throw DecodeError(offset: position, message: "field \(number) is \(length) bytes, past the end")
            }
            return (number, .bytes(try take(Int(length))))
        case 5: return (number, .bytes(try take(4)))
        default: throw DecodeError(offset: start, message: "field \(number) has unsupported wire type \(tag & 7)")
        }
    }

    mutating func varint() throws(DecodeError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < end {
            let byte = buffer[position]
            position += 1
            guard shift < 64 else { break }
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        throw DecodeError(offset: position, message: "truncated or overlong varint")
    }

    private mutating func take(_ count: Int) throws(DecodeError) -> Range<Int> {
        guard count <= end - position else { throw DecodeError(offset: position, message: "truncated field") }
        defer { position += count }
        return position..<position + count
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
    }
}
