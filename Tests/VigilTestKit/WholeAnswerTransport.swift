import Foundation
import VigilHTTP

/// A test transport that answers each request whole: streaming a request is executing it, and the
/// chunk handler sees nothing.
public protocol WholeAnswerTransport: HTTPTransport {}

extension WholeAnswerTransport {
    public func stream(
        _ request: HTTPRequest,
        onChunk: @escaping HTTPChunkHandler
    ) async throws(HTTPClientError) -> HTTPResponse {
        try await execute(request)
    }
}

extension HTTPRequest {
    /// The fields of a form-encoded body (a `query_range` POST), percent-decoded.
    public var formFields: [String: String] {
        var form: [String: String] = [:]
        for pair in String(decoding: body ?? [], as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        return form
    }
}
