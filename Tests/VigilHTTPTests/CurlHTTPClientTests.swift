import Foundation
import Testing

@testable import VigilHTTP

/// The libcurl client against a real loopback server.
@Suite(.serialized)
struct CurlHTTPClientTests {
    let server: FixtureServer
    let client = CurlHTTPClient()

    init() throws {
        server = try FixtureServer()
    }

    @Test func getsABodyWithItsHeaders() async throws {
        let response = try await client.execute(HTTPRequest(url: server.url("/plain")))
        #expect(response.status == 200)
        #expect(response.body == Array("hello\n".utf8))
        #expect(response.header("content-type") == "text/plain; version=0.0.4")
    }

    /// Only HTTP and HTTPS are fetched: a URL built from labels (a relabelled `__scheme__`) that names
    /// another protocol reads nothing, where libcurl would have returned the file.
    @Test func aURLOfAnotherProtocolIsRefused() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-protocols-\(getpid())")
        try Data("secret\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        await #expect(throws: HTTPClientError.self) {
            try await client.execute(HTTPRequest(url: "file://" + file.path))
        }
    }

    /// A connection whose peer may have gone without a word is probed: once it is idle, the kernel
    /// holds the keepalive timer armed for 30 s (`/proc/net/tcp`'s timer 2; without keepalive an idle
    /// connection has no timer at all), so a watch on a dead connection fails in about two minutes.
    @Test func anIdleConnectionIsProbedForItsPeer() async throws {
        let client = client
        let transfer = Task {
            try await client.execute(HTTPRequest(url: server.url("/slow?seconds=600"), timeout: 900))
        }
        defer { transfer.cancel() }
        var timer: (kind: Int, hundredths: Int)?
        // Until the request is sent and acknowledged, the timer is the retransmission one (1).
        for _ in 0..<500 {
            timer = Self.timer(ofConnectionTo: server.port)
            if timer?.kind == 2 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(timer?.kind == 2, "the kernel's timer on the idle connection: \(String(describing: timer))")
        // Within the 30 s idle Vigil sets (libcurl's own default is 60 s, Linux's 2 hours), however late
        // this read comes: answered probes arm it again for 30 s.
        #expect((1...3_000).contains(timer?.hundredths ?? 0))
    }

    /// The timer of this process's established loopback connection to `port` (`/proc/net/tcp`: its
    /// kind, and when it fires in hundredths of a second), or nil while there is none.
    static func timer(ofConnectionTo port: Int) -> (kind: Int, hundredths: Int)? {
        // Read to its end: a /proc file says it is empty, and a read sized by that stops at a page.
        guard let data = FileHandle(forReadingAtPath: "/proc/net/tcp")?.readDataToEndOfFile() else { return nil }
        let table = String(decoding: data, as: UTF8.self)
        for row in table.split(separator: "\n").dropFirst() {
            let fields = row.split(separator: " ")
            guard fields.count > 5, fields[3] == "01",
                fields[2].split(separator: ":").last.flatMap({ Int($0, radix: 16) }) == port
            else { continue }
            let timer = fields[5].split(separator: ":").compactMap { Int($0, radix: 16) }
            if timer.count == 2 { return (timer[0], timer[1]) }
        }
        return nil
    }

    @Test func decodesGzipAndCountsTheWireBytes() async throws {
        let response = try await client.execute(HTTPRequest(url: server.url("/gzip")))
        #expect(response.body.count == 15 * 2000)
        #expect(response.bytesOnWire < response.body.count / 10)
    }

    @Test func stopsAGzipBombAtTheDecodedLimit() async {
        // 51 KB on the wire, 50 MiB decoded: the limit counts decoded bytes.
        let request = HTTPRequest(url: server.url("/bomb"), maxBodyBytes: 10 << 20)
        await #expect(
            throws: HTTPClientError(
                .bodyTooLarge,
                "\(server.url("/bomb")): body size limit exceeded (10485760 bytes decoded)"
            )
        ) {
            _ = try await client.execute(request)
        }
    }

    /// A body of exactly the limit is refused, as Prometheus refuses it (`n >= s.bodySizeLimit`).
    @Test func aBodyOfExactlyTheLimitIsRefused() async throws {
        let body = try await client.execute(HTTPRequest(url: server.url("/plain"), maxBodyBytes: 7)).body
        #expect(body == Array("hello\n".utf8))
        await #expect(throws: HTTPClientError.self) {
            try await client.execute(HTTPRequest(url: server.url("/plain"), maxBodyBytes: 6))
        }
    }

    @Test func theTimeoutCoversDecodingTheBody() async {
        // libcurl checks its timeout between socket reads only; one read of a gzip bomb inflates for
        // seconds. The clock moves a second per reading, so the 5-second deadline passes mid-body.
        let ticks = Ticks()
        let client = CurlHTTPClient(clock: { ticks.next() })
        let request = HTTPRequest(url: server.url("/bomb"), timeout: 5, maxBodyBytes: 0)
        do {
            let response = try await client.execute(request)
            Issue.record("a body decoded past the deadline was a success (\(response.body.count) bytes)")
        } catch {
            #expect(error.kind == .timeout)
            #expect(error.message.contains("operation timed out after 5000 milliseconds (while decoding the body"))
        }
    }

    @Test func aCancellationThatArrivesLateNeverHitsAnotherTransfer() async throws {
        // The event thread is not running yet: a cancellation of a transfer that is no longer in flight
        // waits in the inbox while that transfer is released and a new one (likely at the same address)
        // is submitted. Keyed by ObjectIdentifier, the cancellation aborted the new transfer.
        let loop = CurlEventLoop()
        var finished: CurlTransfer? = try CurlTransfer(
            HTTPRequest(url: server.url("/plain")),
            onChunk: nil,
            clock: { 0 }
        )
        loop.cancel(finished!)
        finished = nil
        let next = try CurlTransfer(HTTPRequest(url: server.url("/plain")), onChunk: nil, clock: { 0 })
        let result = await withCheckedContinuation { continuation in
            next.continuation = continuation
            loop.submit(next)
            let thread = Thread { loop.run() }
            thread.start()
        }
        loop.shutDown()
        #expect((try? result.get())?.body == Array("hello\n".utf8))
    }

    @Test func timesOut() async {
        let request = HTTPRequest(url: server.url("/slow?seconds=900"), timeout: 0.3)
        let started = ContinuousClock.now
        do {
            _ = try await client.execute(request)
            Issue.record("a 900-second answer beat a 0.3-second timeout")
        } catch {
            #expect(error.kind == .timeout)
        }
        // The timeout fires on its own, not when the answer (or the event thread's hourly backstop wake-up)
        // comes: the event thread sleeps until libcurl's next timer. The bound only separates the two, and
        // is far from both: this test resumes on Swift's pool, which CI's parallel run has kept busy for
        // over a minute (a bound of 15 s against an answer at 30 s could fail on a stall alone).
        #expect(ContinuousClock.now - started < .seconds(450))
    }

    @Test func reportsARefusedConnection() async throws {
        // A port that was just free: bind, read the number, close.
        let probe = try FixtureServer()
        let url = probe.url("/plain")
        probe.stop()
        do {
            _ = try await client.execute(HTTPRequest(url: url, connectTimeout: 1))
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.kind == .connection)
            #expect(error.message.hasPrefix(url))
        }
    }

    /// A request takes the proxy its route names and no other: the fixture server answers as the proxy
    /// for a host that does not resolve, so only a request sent through it succeeds.
    @Test func aRequestTakesTheProxyItsRouteNames() async throws {
        let url = "http://vigil-proxy-test.invalid/plain"
        let proxy = "127.0.0.1:\(server.port)"
        for route in [ProxyRoute.through("http://" + proxy), .environment(ProxyEnvironment(["HTTP_PROXY": proxy]))] {
            let response = try await client.execute(HTTPRequest(url: url, proxy: route))
            #expect(response.body == Array("hello\n".utf8), "\(route)")
        }
        let exempt = ProxyEnvironment(["HTTP_PROXY": proxy, "NO_PROXY": ".invalid"])
        for route in [ProxyRoute.direct, .environment(exempt), .environment(ProxyEnvironment([:]))] {
            await #expect(throws: HTTPClientError.self, "\(route)") {
                try await client.execute(HTTPRequest(url: url, connectTimeout: 2, proxy: route))
            }
        }
    }

    /// `basic_auth.password_file`, as Prometheus reads it: at every request, whitespace trimmed.
    @Test func rereadsThePasswordFileOnEveryRequest() async throws {
        let passwordFile = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-password-\(UUID())")
        defer { try? FileManager.default.removeItem(at: passwordFile) }
        let authorization = Authorization.basicFile(username: "vigil", passwordFile: passwordFile.path)
        let request = HTTPRequest(url: server.url("/echo"), authorization: authorization)
        try Data("first\n".utf8).write(to: passwordFile)
        let first = try await client.execute(request)
        try Data("rotated".utf8).write(to: passwordFile)
        let second = try await client.execute(request)
        #expect(try echo(first)["authorization"] == "Basic " + Data("vigil:first".utf8).base64EncodedString())
        #expect(try echo(second)["authorization"] == "Basic " + Data("vigil:rotated".utf8).base64EncodedString())
        try FileManager.default.removeItem(at: passwordFile)
        await #expect(throws: HTTPClientError.self) { try await client.execute(request) }
    }

    @Test func rereadsTheBearerTokenFileOnEveryRequest() async throws {
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-token-\(UUID())")
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let request = HTTPRequest(url: server.url("/echo"), authorization: .bearerFile(tokenFile.path))
        try Data("first\n".utf8).write(to: tokenFile)
        let first = try await client.execute(request)
        try Data("rotated".utf8).write(to: tokenFile)
        let second = try await client.execute(request)
        #expect(try echo(first)["authorization"] == "Bearer first")
        #expect(try echo(second)["authorization"] == "Bearer rotated")
    }

    @Test func sendsBasicAuthMethodAndBody() async throws {
        let request = HTTPRequest(
            url: server.url("/echo"),
            method: .patch,
            headers: [("Content-Type", "application/merge-patch+json")],
            body: Array(#"{"spec":{"replicas":3}}"#.utf8),
            authorization: .basic(username: "vigil", password: "basic-secret")
        )
        let answer = try echo(try await client.execute(request))
        #expect(answer["method"] == "PATCH")
        #expect(answer["authorization"] == "Basic dmlnaWw6YmFzaWMtc2VjcmV0")
        #expect(answer["content_type"] == "application/merge-patch+json")
        #expect(answer["body"] == #"{"spec":{"replicas":3}}"#)
        #expect(answer["user_agent"] == "vigil/\(VigilRelease.version)")
    }

    @Test func missingTokenFileIsAnInvalidRequest() async {
        let request = HTTPRequest(url: server.url("/echo"), authorization: .bearerFile("/nonexistent/token"))
        await #expect(
            throws: HTTPClientError(
                .invalidRequest,
                "\(server.url("/echo")): cannot read the bearer token file /nonexistent/token"
            )
        ) {
            _ = try await client.execute(request)
        }
    }

    @Test func runsManyTransfersAtOnceOnOneThread() async throws {
        // 40 answers of 0.3 s each: one event thread drives them all concurrently.
        let client = self.client
        let url = server.url("/slow?seconds=0.3")
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<40 {
                group.addTask { try await client.execute(HTTPRequest(url: url)).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 40))
        // The server saw them in flight together, not one after another.
        let peak = try await client.execute(HTTPRequest(url: server.url("/peak")))
        #expect(Int(String(decoding: peak.body, as: UTF8.self))! >= 20)
    }

    @Test func streamsTheBodyAsItArrives() async throws {
        let chunks = ChunkCollector()
        let response = try await client.stream(HTTPRequest(url: server.url("/stream?lines=5&delay=0.05"))) {
            head,
            bytes in
            #expect(head.status == 200)
            chunks.append(Array(bytes))
            return true
        }
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(String(decoding: chunks.bytes, as: UTF8.self) == (0..<5).map { "line \($0)\n" }.joined())
        #expect(chunks.count > 1)
    }

    @Test func aStreamConsumerCanStopTheTransfer() async {
        do {
            _ = try await client.stream(HTTPRequest(url: server.url("/stream?lines=50&delay=0.05"))) { _, _ in false }
            Issue.record("the stream was not stopped")
        } catch {
            #expect(error.kind == .cancelled)
        }
    }

    /// A task cancelled before it asks (a watch started as the daemon stops) gets its answer at once,
    /// not at the request's timeout: the cancellation reached the event thread before the transfer did.
    @Test func aTaskCancelledBeforeItAsksIsRefusedAtOnce() async {
        let client = self.client
        let url = server.url("/slow?seconds=10")
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.execute(HTTPRequest(url: url, timeout: 30))
        }
        switch await task.result {
        case .success:
            Issue.record("a cancelled transfer completed")
        case .failure(let error):
            #expect((error as? HTTPClientError)?.kind == .cancelled, "\(error)")
        }
    }

    /// The answer comes long after any stall of the test's pool could delay the cancellation (a 10-s
    /// answer could beat a cancel held up on a busy pool, and the transfer complete).
    @Test func cancellingTheTaskAbortsTheTransfer() async {
        let client = self.client
        let url = server.url("/slow?seconds=600")
        let task = Task { try await client.execute(HTTPRequest(url: url, timeout: 900)) }
        try? await Task.sleep(for: .milliseconds(200))
        task.cancel()
        switch await task.result {
        case .success:
            Issue.record("a cancelled transfer completed")
        case .failure(let error):
            #expect((error as? HTTPClientError)?.kind == .cancelled)
        }
    }

    @Test func nonSuccessStatusIsAResponseNotAnError() async throws {
        let response = try await client.execute(HTTPRequest(url: server.url("/status?code=503")))
        #expect(response.status == 503)
    }

    private func echo(_ response: HTTPResponse) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        return object.compactMapValues { $0 as? String }
    }
}

/// A monotonic clock that moves a second (in nanoseconds) at every reading.
final class Ticks: @unchecked Sendable {
    private let lock = NSLock()
    private var now: UInt64 = 0

    func next() -> UInt64 {
        lock.withLock {
            defer { now += 1_000_000_000 }
            return now
        }
    }
}

/// Collects stream chunks from the event thread.
final class ChunkCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [UInt8] = []
    private var chunks = 0

    func append(_ chunk: [UInt8]) {
        lock.withLock {
            collected += chunk
            chunks += 1
        }
    }

    var bytes: [UInt8] { lock.withLock { collected } }
    var count: Int { lock.withLock { chunks } }
}
