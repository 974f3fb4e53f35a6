/// The status and headers of a response: what is known before its body.
public struct HTTPResponseHead: Sendable {
    public var status: Int
    /// Headers of the final response (after redirects and `100 Continue`), names as sent.
    public var headers: [(name: String, value: String)]

    public init(status: Int, headers: [(name: String, value: String)]) {
        self.status = status
        self.headers = headers
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }
}
