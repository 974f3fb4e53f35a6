import VigilHTTP

/// POSTs a JSON `body` to `url` with Vigil's own HTTP client (`Authorization: Bearer token` when given):
/// a webhook delivery or an API call as a test makes it. Returns the status and the body as text.
public func postJSON(_ url: String, _ body: [UInt8], token: String? = nil) async throws -> (status: Int, body: String) {
    let response = try await CurlHTTPClient().execute(
        HTTPRequest(
            url: url,
            method: .post,
            headers: [("Content-Type", "application/json")],
            body: body,
            timeout: hangTimeout,
            authorization: token.map(Authorization.bearer)
        )
    )
    return (response.status, String(decoding: response.body, as: UTF8.self))
}
