@testable import VigilHistory

/// Builds streamed remote-read answers for tests: `ChunkedReadResponse` frames with a correct checksum.
enum StreamedAnswer {
    /// One frame holding one series with the given labels and raw chunks of `encoding` (XOR's, 1).
    static func frame(labels: [(String, String)], chunks: [[UInt8]], encoding: Int64 = 1) -> [UInt8] {
        var series = ProtobufWriter()
        for (name, value) in labels {
            var label = ProtobufWriter()
            label.field(1, string: name)
            label.field(2, string: value)
            series.field(1, bytes: label.bytes)
        }
        for data in chunks {
            var chunk = ProtobufWriter()
            chunk.field(3, int64: encoding)
            chunk.field(4, bytes: data)
            series.field(2, bytes: chunk.bytes)
        }
        var message = ProtobufWriter()
        message.field(1, bytes: series.bytes)
        return frame(message.bytes)
    }

    /// `data` framed as the server frames it: its length, its checksum, itself.
    static func frame(_ data: [UInt8]) -> [UInt8] {
        let checksum = data.withUnsafeBufferPointer { CRC32C.checksum($0) }
        var length = ProtobufWriter()
        length.varint(UInt64(data.count))
        return length.bytes + withUnsafeBytes(of: checksum.bigEndian) { Array($0) } + data
    }

    /// The data of each frame of a well-formed answer.
    static func frames(of body: [UInt8]) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var position = 0
        while position < body.count {
            let header = body.withUnsafeBufferPointer { buffer -> (length: Int, end: Int) in
                var reader = ProtobufReader(buffer, range: position..<buffer.count)
                let length = (try? reader.varint()).map(Int.init) ?? 0
                return (length, reader.position)
            }
            let start = header.end + 4
            frames.append(Array(body[start..<start + header.length]))
            position = start + header.length
        }
        return frames
    }

    /// An XOR chunk of `count` samples of one value, `interval` milliseconds apart from `start`: after the
    /// header each further sample costs two bits (delta of delta 0, value unchanged) — the densest
    /// answer a server can send.
    static func constantChunk(count: UInt16, start: Int64, interval: UInt64, value: Double) -> [UInt8] {
        var header = ProtobufWriter()
        header.varint(UInt64(bitPattern: (start << 1) ^ (start >> 63)))
        var bytes = [UInt8(count >> 8), UInt8(count & 0xff)] + header.bytes
        bytes += withUnsafeBytes(of: value.bitPattern.bigEndian) { Array($0) }
        var delta = ProtobufWriter()
        delta.varint(interval)
        bytes += delta.bytes
        return bytes + [UInt8](repeating: 0, count: (Int(count) * 2 + 7) / 8)
    }
}
