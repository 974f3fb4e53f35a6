/// Reads a streamed remote-read answer (`application/x-streamed-protobuf;
/// proto=prometheus.ChunkedReadResponse`): frames of a uvarint length, a big-endian CRC-32C and a
/// `ChunkedReadResponse` message, whose series carry their labels and XOR chunks. A series whose chunks
/// fill more than one frame comes back in several; they are joined here. Every length, checksum and
/// chunk is checked: a corrupt or truncated answer is refused with the frame, byte and field.
enum ChunkedReadResponse {
    /// One series's raw samples, milliseconds and values, oldest first.
    struct Series {
        var labels: [String: String]
        var times: [Int64] = []
        var values: [Double] = []
    }

    struct DecodeError: Error, CustomStringConvertible {
        var description: String
        /// The answer held more samples than a decode keeps: not corrupt, too much at once.
        var isTooManySamples = false
        /// The answer held float chunks of an encoding Vigil does not decode (XOR2, 4): not corrupt, but
        /// not to be read this way.
        var unsupportedEncoding: UInt64?
    }

    /// Prometheus cuts frames at `--storage.remote.read-max-bytes-in-frame` (1 MiB by default); a frame
    /// claiming far more is corruption, not data.
    static let maximumFrameBytes = 64 << 20

    /// `Chunk.Encoding.XOR`: float samples. Native-histogram chunks (`HISTOGRAM`, `FLOAT_HISTOGRAM` and
    /// their start-timestamp kinds, `HISTOGRAM_ST` and `FLOAT_HISTOGRAM_ST`) have no place in Vigil's series
    /// and are passed over, as `query_range` answers for them are; any other encoding (`XOR2`, Prometheus
    /// 3.11's optional float chunks, or one newer) refuses the answer, which a read that may fall back then
    /// asks of `query_range`: passed over, its series came back empty.
    static let xorEncoding: UInt64 = 1
    static let histogramEncodings: Set<UInt64> = [2, 3, 5, 6]

    /// Prometheus's own default `--query.max-samples`: the most samples a query may hold at once, so an
    /// answer Prometheus would refuse by `query_range` is refused here too.
    static let maximumSamples = 50_000_000

    /// The answer's series. With `grid`, each series keeps only the samples the grid's steps can pick
    /// (``LookbackSampler/thin(_:_:)``), as it is read; in all, no more than `maximumSamples` are held.
    static func decode(
        _ body: [UInt8],
        onto grid: LookbackSampler? = nil,
        maximumSamples: Int = maximumSamples
    ) throws(DecodeError) -> [Series] {
        var collection = Collection(retention: Retention(grid: grid, limit: maximumSamples))
        let outcome: Result<Void, DecodeError> = body.withUnsafeBufferPointer { buffer in
            var position = 0
            var frame = 0
            while position < buffer.count {
                let frameStart = position
                var header = ProtobufReader(buffer, range: position..<buffer.count)
                // Prometheus writes an error met after the first frame as text behind the frames (the
                // status, 200, is gone by then): its words, not a puzzle about a frame's length.
                if frame > 0, let text = serverError(UnsafeBufferPointer(rebasing: buffer[frameStart...])) {
                    return .failure(
                        DecodeError(description: "frame \(frame) (byte \(frameStart)): the server ended with: \(text)")
                    )
                }
                guard let length = try? header.varint(), length <= UInt64(maximumFrameBytes) else {
                    return .failure(
                        DecodeError(description: "frame \(frame) (byte \(frameStart)): bad or oversized length")
                    )
                }
                let dataStart = header.position + 4
                guard dataStart <= buffer.count, Int(length) <= buffer.count - dataStart else {
                    return .failure(DecodeError(description: "frame \(frame) (byte \(frameStart)): truncated"))
                }
                let expected = buffer[dataStart - 4..<dataStart].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                let data = dataStart..<dataStart + Int(length)
                guard CRC32C.checksum(UnsafeBufferPointer(rebasing: buffer[data])) == expected else {
                    return .failure(DecodeError(description: "frame \(frame) (byte \(frameStart)): checksum mismatch"))
                }
                do throws(FieldError) {
                    try readFrame(buffer, data, into: &collection)
                } catch {
                    return .failure(
                        DecodeError(
                            description: "frame \(frame) (byte \(frameStart)): \(error.message)",
                            isTooManySamples: error.isTooManySamples,
                            unsupportedEncoding: error.unsupportedEncoding
                        )
                    )
                }
                position = data.upperBound
                frame += 1
            }
            return .success(())
        }
        try outcome.get()
        return collection.series
    }

    private struct FieldError: Error {
        var message: String
        var isTooManySamples = false
        var unsupportedEncoding: UInt64?
    }

    /// What a decode holds: samples counted as they are decoded, a series thinned to its grid whenever
    /// it holds twice what the grid can use (so thinning costs O(log n) a sample), and an error past the limit.
    private struct Retention {
        let grid: LookbackSampler?
        let limit: Int
        var held = 0

        /// Accounts for a series that held `counted` samples and now holds `series.times.count`.
        mutating func held(_ series: inout Series, counted: Int) throws(FieldError) {
            if let grid, series.times.count > 2 * grid.bucketCount {
                grid.thin(&series.times, &series.values)
            }
            held += series.times.count - counted
            guard held <= limit else {
                throw FieldError(message: "more than \(limit) samples held: narrow the query", isTooManySamples: true)
            }
        }
    }

    /// The series read so far, one per label set: a series whose chunks fill several frames is joined here.
    private struct Collection {
        var retention: Retention
        var positions: [[String: String]: Int] = [:]
        var series: [Series] = []

        mutating func add(_ part: Series) throws(FieldError) {
            guard let index = positions[part.labels] else {
                positions[part.labels] = series.count
                series.append(part)
                return
            }
            let counted = series[index].times.count + part.times.count
            series[index].times += part.times
            series[index].values += part.values
            try retention.held(&series[index], counted: counted)
        }
    }

    /// The rest of the answer as the text of an error, if that is what it is: a line of printable text
    /// ending in a line break, as Go's `http.Error` writes it (a frame's length and checksum are binary).
    private static func serverError(_ rest: UnsafeBufferPointer<UInt8>) -> String? {
        guard rest.count >= 2, rest.count <= 4096, rest.last == UInt8(ascii: "\n"),
            rest.dropLast().allSatisfy({ $0 >= 0x20 && $0 != 0x7f || $0 == UInt8(ascii: "\t") })
        else { return nil }
        return String(decoding: rest.dropLast(), as: UTF8.self)
    }

    /// One `ChunkedReadResponse`: each `chunked_series` (field 1) handed to `emit` with its decoded samples.
    private static func readFrame(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        into collection: inout Collection
    ) throws(FieldError) {
        var message = ProtobufReader(buffer, range: range)
        var index = 0
        while let field = try wrapped("chunked_series", { () throws(ProtobufReader.DecodeError) in try message.next() })
        {
            guard field.number == 1, case .bytes(let payload) = field.value else { continue }
            let path = "chunked_series[\(index)]"
            var part = Series(labels: [:])
            var reader = ProtobufReader(buffer, range: payload)
            var chunkIndex = 0
            while let field = try wrapped(path, { () throws(ProtobufReader.DecodeError) in try reader.next() }) {
                guard case .bytes(let inner) = field.value else { continue }
                switch field.number {
                case 1: try readLabel(buffer, inner, path: "\(path).labels", into: &part.labels)
                case 2:
                    let chunkPath = "\(path).chunks[\(chunkIndex)]"
                    let counted = part.times.count
                    try readChunk(buffer, inner, path: chunkPath, times: &part.times, values: &part.values)
                    do throws(FieldError) {
                        try collection.retention.held(&part, counted: counted)
                    } catch {
                        throw FieldError(message: "\(chunkPath): \(error.message)")
                    }
                    chunkIndex += 1
                default: continue
                }
            }
            do throws(FieldError) {
                try collection.add(part)
            } catch {
                throw FieldError(message: "\(path): \(error.message)")
            }
            index += 1
        }
    }

    private static func readLabel(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        path: String,
        into labels: inout [String: String]
    ) throws(FieldError) {
        var reader = ProtobufReader(buffer, range: range)
        var name = ""
        var value = ""
        while let field = try wrapped(path, { () throws(ProtobufReader.DecodeError) in try reader.next() }) {
            guard case .bytes(let text) = field.value else { continue }
            if field.number == 1 {
                name = reader.string(text)
            } else if field.number == 2 {
                value = reader.string(text)
            }
        }
        labels[name] = value
    }

    private static func readChunk(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        path: String,
        times: inout [Int64],
        values: inout [Double]
    ) throws(FieldError) {
        var reader = ProtobufReader(buffer, range: range)
        var encoding: UInt64 = 0
        var data: Range<Int>?
        while let field = try wrapped(path, { () throws(ProtobufReader.DecodeError) in try reader.next() }) {
            switch (field.number, field.value) {
            case (3, .varint(let value)): encoding = value
            case (4, .bytes(let bytes)): data = bytes
            default: continue
            }
        }
        guard let data, !histogramEncodings.contains(encoding) else { return }
        guard encoding == xorEncoding else {
            throw FieldError(message: "\(path): chunks of encoding \(encoding)", unsupportedEncoding: encoding)
        }
        do {
            try XORChunk.decode(UnsafeBufferPointer(rebasing: buffer[data]), times: &times, values: &values)
        } catch {
            throw FieldError(message: "\(path): \(error.message)")
        }
    }

    private static func wrapped<T>(
        _ path: String,
        _ body: () throws(ProtobufReader.DecodeError) -> T
    ) throws(FieldError) -> T {
        do {
            return try body()
        } catch {
            throw FieldError(message: "\(path): \(error.description)")
        }
    }
}
