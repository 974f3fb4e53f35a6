import CCurl
import Foundation

/// One request in flight: its easy handle, and what the callbacks collect. Configured on the caller's
/// thread, then owned by the event thread until `finish`.
final class CurlTransfer: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let url: String
    private let maxBodyBytes: Int
    private let onChunk: HTTPChunkHandler?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var connectToList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private var body: [UInt8] = []
    /// Decoded body bytes received so far, counted against `maxBodyBytes`.
    private var bodyBytes = 0
    /// A streamed response's head, taken at its first body byte (when the final response is known).
    private var streamedHead: HTTPResponseHead?
    private var headers: [(name: String, value: String)] = []
    private var bodyTooLarge = false
    private var stoppedByConsumer = false
    /// Monotonic nanoseconds, and when the whole exchange must be over.
    private let clock: @Sendable () -> UInt64
    private let deadline: UInt64
    private let timeoutMilliseconds: Int
    /// The deadline passed while the body was being decoded. libcurl checks its timeout only between
    /// socket reads, and one 2 MB read of a gzip bomb inflates to gigabytes in a single go: without
    /// this check a 1 s scrape ran for 8 s and counted a success.
    private var timedOutDecoding = false
    var continuation: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>?
    /// Set from the cancelling task, read on the event thread.
    private let cancellation = NSLock()
    private var cancelled = false

    func markCancelled() { cancellation.withLock { cancelled = true } }
    var isCancelled: Bool { cancellation.withLock { cancelled } }

    init(
        _ request: HTTPRequest,
        onChunk: HTTPChunkHandler?,
        clock: @escaping @Sendable () -> UInt64
    ) throws(HTTPClientError) {
        guard let handle = curl_easy_init() else {
            throw HTTPClientError(.transfer, "\(URLUserInfo.redacted(request.url)): libcurl could not create a handle")
        }
        self.handle = handle
        // Error messages name the URL; a password in it must not reach a log or an API answer.
        url = URLUserInfo.redacted(request.url)
        maxBodyBytes = request.maxBodyBytes
        self.onChunk = onChunk
        self.clock = clock
        timeoutMilliseconds = request.timeout.isFinite ? Int(min(max(request.timeout, 0), 86_400 * 365) * 1000) : 0
        deadline = clock() &+ UInt64(timeoutMilliseconds) * 1_000_000
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try configure(request)
    }

    /// A token or password file's text, whitespace around it trimmed: read at every request (a rotated
    /// Secret is picked up), at most 64 KiB of it, as `--scrape-basic-auth-file` reads its file — a path
    /// mistaken for a secret (a log, a device) is not read whole at every scrape.
    static func secret(in path: String) -> String? {
        let limit = 64 << 10
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        guard let data = try? file.read(upToCount: limit + 1), data.count <= limit else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        curl_slist_free_all(connectToList)
        errorBuffer.deallocate()
    }

    private func configure(_ request: HTTPRequest) throws(HTTPClientError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        vigil_curl_setopt_string(handle, CURLOPT_URL, request.url)
        // HTTP and HTTPS only: a URL is built from discovered and relabelled labels (`__scheme__` can be
        // copied from a pod's annotation), and libcurl would otherwise read `file://`, `dict://` or
        // `gopher://` as readily, on Vigil's behalf and with its credentials.
        vigil_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        vigil_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        // TCP keepalive, as client-go's dialer keeps it (30 s): a peer gone without a word (a node lost,
        // a partition) is found dead after 30 s of silence and Linux's 9 unanswered probes 10 s apart,
        // two minutes, where a watch, silent for minutes by design, would wait for its 5–10-minute
        // timeout, and a hung scrape or query for its own.
        vigil_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        vigil_curl_setopt_long(handle, CURLOPT_TCP_KEEPIDLE, 30)
        vigil_curl_setopt_long(handle, CURLOPT_TCP_KEEPINTVL, 10)
        vigil_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
        vigil_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMilliseconds)
        vigil_curl_setopt_string(handle, CURLOPT_USERAGENT, VigilRelease.userAgent)
        vigil_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        // A large receive buffer: each read takes whatever the socket holds, so a 17 MB scrape needs few
        // reads (and wake-ups). 2 MB used ~7 % less CPU than 512 KB in the same run at 100k series; 8 MB
        // no less than 2 MB. libcurl allocates it per transfer and frees it when the transfer ends.
        vigil_curl_setopt_long(handle, CURLOPT_BUFFERSIZE, 2048 * 1024)
        vigil_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody)
        vigil_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        vigil_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader)
        vigil_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        if request.acceptCompression {
            // The empty string offers every encoding this libcurl decodes.
            vigil_curl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        }
        var headerLines = request.headers.map { "\($0.name): \($0.value)" }
        switch request.authorization {
        case .bearer(let token):
            headerLines.append("Authorization: Bearer \(token)")
        case .bearerFile(let path):
            guard let token = Self.secret(in: path) else {
                throw HTTPClientError(.invalidRequest, "\(url): cannot read the bearer token file \(path)")
            }
            headerLines.append("Authorization: Bearer \(token)")
        case .basic(let username, let password):
            let credentials = Data("\(username):\(password)".utf8).base64EncodedString()
            headerLines.append("Authorization: Basic \(credentials)")
        case .basicFile(let username, let path):
            guard let password = Self.secret(in: path) else {
                throw HTTPClientError(.invalidRequest, "\(url): cannot read the password file \(path)")
            }
            headerLines.append("Authorization: Basic \(Data("\(username):\(password)".utf8).base64EncodedString())")
        case nil:
            break
        }
        for line in headerLines { headerList = curl_slist_append(headerList, line) }
        if let headerList { vigil_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList) }

        switch request.method {
        case .get: break
        case .head: vigil_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
        default: vigil_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
        if let body = request.body {
            vigil_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
            body.withUnsafeBytes { bytes in
                // COPYPOSTFIELDS copies, so the array need not outlive this call.
                _ = vigil_curl_setopt_pointer(
                    handle,
                    CURLOPT_COPYPOSTFIELDS,
                    UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(errorBuffer))
                )
            }
        }

        // Always set, both: an unset proxy lets libcurl read the environment its own way, and an unset
        // no-proxy list lets `NO_PROXY` send a request around the proxy the configuration names.
        let proxy =
            switch request.proxy {
            case .direct: ""
            case .through(let url): url
            case .environment(let variables): variables.proxy(for: request.url) ?? ""
            }
        vigil_curl_setopt_string(handle, CURLOPT_PROXY, proxy)
        vigil_curl_setopt_string(handle, CURLOPT_NOPROXY, "")
        if let connectTo = request.connectTo {
            connectToList = curl_slist_append(nil, connectTo)
            vigil_curl_setopt_slist(handle, CURLOPT_CONNECT_TO, connectToList)
        }
        let tls = request.tls
        if let caFile = tls.caFile { vigil_curl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
        if let certificateFile = tls.certificateFile {
            vigil_curl_setopt_string(handle, CURLOPT_SSLCERT, certificateFile)
        }
        if let keyFile = tls.keyFile { vigil_curl_setopt_string(handle, CURLOPT_SSLKEY, keyFile) }
        for (pem, option) in [
            (tls.caPEM, CURLOPT_CAINFO_BLOB), (tls.certificatePEM, CURLOPT_SSLCERT_BLOB),
            (tls.keyPEM, CURLOPT_SSLKEY_BLOB),
        ] {
            guard let pem else { continue }
            _ = pem.withUnsafeBytes { vigil_curl_setopt_blob(handle, option, $0.baseAddress, $0.count) }
        }
        if tls.insecureSkipVerify {
            vigil_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0)
            vigil_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0)
        }
    }

    /// Called on the event thread with each piece of the decoded body (at most 16 KiB: the clock is
    /// read once per piece, a few nanoseconds against the piece's parsing).
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if timeoutMilliseconds > 0, clock() > deadline {
            timedOutDecoding = true
            return false
        }
        if maxBodyBytes > 0, bodyBytes + bytes.count >= maxBodyBytes {
            bodyTooLarge = true
            return false
        }
        let first = bodyBytes == 0
        bodyBytes += bytes.count
        if let onChunk {
            if first { streamedHead = HTTPResponseHead(status: status, headers: headers) }
            if onChunk(streamedHead!, bytes) { return true }
            stoppedByConsumer = true
            return false
        }
        if first { reserveBody() }
        body.append(contentsOf: bytes)
        return true
    }

    private var status: Int {
        var status = 0
        vigil_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return status
    }

    /// Sizes the body buffer once, before the first byte, by Content-Length when the server sent one, so
    /// a large body is not copied again at every doubling.
    private func reserveBody() {
        var contentLength: curl_off_t = -1
        vigil_curl_getinfo_off_t(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &contentLength)
        var expected = Int(contentLength)
        if maxBodyBytes > 0 { expected = min(expected, maxBodyBytes) }
        if expected > 0 { body.reserveCapacity(expected) }
    }

    /// Called on the event thread with each header line (status lines included).
    func receiveHeader(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            headers.removeAll()  // a new response (after a redirect or 100 Continue)
        } else if let colon = line.firstIndex(of: ":") {
            headers.append(
                (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
            )
        }
    }

    /// The response or error for a transfer libcurl finished with `code`.
    func outcome(_ code: CURLcode) -> Result<HTTPResponse, HTTPClientError> {
        if code == CURLE_OK {
            var wire: curl_off_t = 0
            vigil_curl_getinfo_off_t(handle, CURLINFO_SIZE_DOWNLOAD_T, &wire)
            return .success(HTTPResponse(status: status, headers: headers, body: body, bytesOnWire: Int(wire)))
        }
        let detail = errorBuffer.pointee == 0 ? String(cString: curl_easy_strerror(code)) : String(cString: errorBuffer)
        let kind: HTTPClientError.Kind
        switch code {
        case CURLE_WRITE_ERROR where bodyTooLarge:
            return .failure(
                HTTPClientError(.bodyTooLarge, "\(url): body size limit exceeded (\(maxBodyBytes) bytes decoded)")
            )
        case CURLE_WRITE_ERROR where timedOutDecoding:
            return .failure(
                HTTPClientError(
                    .timeout,
                    "\(url): operation timed out after \(timeoutMilliseconds) milliseconds (while decoding the body, \(bodyBytes) bytes so far)"
                )
            )
        case CURLE_WRITE_ERROR where stoppedByConsumer:
            return .failure(HTTPClientError(.cancelled, "\(url): stopped by the stream consumer"))
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .connection
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR:
            kind = .tls
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: kind = .invalidRequest
        default: kind = .transfer
        }
        return .failure(HTTPClientError(kind, "\(url): \(detail)"))
    }

    func finish(_ result: Result<HTTPResponse, HTTPClientError>) {
        continuation?.resume(returning: result)
        continuation = nil
    }
}

/// libcurl's write callback: hands the bytes to the transfer; returning less than given aborts.
private let curlWriteBody: vigil_curl_data_callback = { data, size, count, context in
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

private let curlWriteHeader: vigil_curl_data_callback = { data, size, count, context in
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: length))
    return length
}
