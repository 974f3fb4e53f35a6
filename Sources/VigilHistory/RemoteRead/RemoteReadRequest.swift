import VigilRules

/// The body of a remote-read request (`POST /api/v1/read`): one query — a selector's matchers over a
/// time range in milliseconds — asking only for streamed XOR chunks, protobuf-encoded and
/// snappy-framed as Prometheus requires. (prompb's `ReadRequest`, `Query`, `LabelMatcher`.)
enum RemoteReadRequest {
    /// `ReadRequest.ResponseType.STREAMED_XOR_CHUNKS`.
    static let streamedXORChunks: UInt8 = 1

    static func body(matchers: [SeriesSelector.Matcher], start: Int64, end: Int64) -> [UInt8] {
        var query = ProtobufWriter()
        query.field(1, int64: start)
        query.field(2, int64: end)
        for matcher in matchers {
            var encoded = ProtobufWriter()
            encoded.field(1, int64: type(of: matcher.op))
            encoded.field(2, string: matcher.label)
            encoded.field(3, string: matcher.value)
            query.field(3, bytes: encoded.bytes)
        }
        var request = ProtobufWriter()
        request.field(1, bytes: query.bytes)
        // `accepted_response_types`, packed as proto3 writes a repeated enum.
        request.field(2, bytes: [streamedXORChunks])
        return SnappyBlock.literals(request.bytes)
    }

    /// `LabelMatcher.Type`: EQ, NEQ, RE, NRE — anchored regexes on the server, as PromQL's.
    private static func type(of op: SeriesSelector.Operator) -> Int64 {
        switch op {
        case .equal: 0
        case .notEqual: 1
        case .matches: 2
        case .notMatches: 3
        }
    }
}
