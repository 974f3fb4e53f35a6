import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing
import VigilTestKit

@testable import VigilServer

/// Slowloris defences: the request-head timeout on an embedded channel (time driven by the test), then
/// the whole server over real sockets with short limits.
@Suite(.serialized)
struct ConnectionLimitTests {
    /// A channel with the read deadlines: 10 s for the first head, 300 s for each request whole.
    func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.pipeline.syncOperations.addHandler(
            RequestReadTimeout(headTimeout: .seconds(10), readTimeout: .seconds(300))
        )
        return channel
    }

    /// Open until `after` from now has passed, to the millisecond, and closed then.
    static func expectClosed(
        _ channel: EmbeddedChannel,
        after: TimeAmount,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        channel.embeddedEventLoop.advanceTime(by: after - .milliseconds(1))
        #expect(channel.isActive, sourceLocation: sourceLocation)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive, sourceLocation: sourceLocation)
    }

    static let head = HTTPRequestPart.head(HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/"))

    @Test func aConnectionWithoutARequestHeadIsClosedAtTheDeadlineNotBefore() throws {
        let channel = try channel()
        Self.expectClosed(channel, after: .seconds(10))
    }

    @Test func aRequestReadInTimeLeavesTheConnectionOpen() throws {
        let channel = try channel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        try channel.writeInbound(Self.head)
        channel.embeddedEventLoop.advanceTime(by: .seconds(299))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        // Between requests only the idle timeout (Hummingbird's own) may close it.
        channel.embeddedEventLoop.advanceTime(by: .seconds(3600))
        #expect(channel.isActive)
        // The parts went on up the pipeline.
        #expect(try channel.readInbound(as: HTTPRequestPart.self) != nil)
        #expect(try channel.readInbound(as: HTTPRequestPart.self) != nil)
        _ = try channel.finish()
    }

    /// A body trickled a byte at a time restarts the idle timeout with every byte; the read deadline
    /// counts from the head whatever arrives.
    @Test func aTrickledBodyIsCutOffAtTheReadDeadline() throws {
        let channel = try channel()
        try channel.writeInbound(Self.head)
        for _ in 0..<29 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(10))
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "x")))
        }
        Self.expectClosed(channel, after: .seconds(10))
    }

    /// Each request on a kept-alive connection has its own deadline, from its own head.
    @Test func eachRequestIsReadAgainstItsOwnDeadline() throws {
        let channel = try channel()
        try channel.writeInbound(Self.head)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: .seconds(250))
        try channel.writeInbound(Self.head)
        Self.expectClosed(channel, after: .seconds(300))
    }

    func server(_ limits: ConnectionLimits) async throws -> TestServer {
        try await TestServer(security: WebSecurity(limits: limits))
    }

    /// Half a request, or none: closed once the (short) header timeout passes. The test asserts the
    /// close; the read's own wait only turns a hang into a failure.
    @Test func halfSentAndSilentConnectionsAreClosedWhileAWholeRequestIsServed() async throws {
        // Long enough that a loaded machine (ThreadSanitizer, the other suites) reads the whole request's
        // head in time; the half-sent and silent connections are still closed by it.
        // The idle timeout longer than the reads' wait, so only the header timeout can close them.
        let server = try await server(
            ConnectionLimits(readHeaderTimeout: .seconds(3), idleTimeout: .seconds(6 * hangTimeout))
        )
        let half = try RawConnection(port: server.port)
        half.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        let silent = try RawConnection(port: server.port)
        let whole = try RawConnection(port: server.port)
        whole.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        guard case .bytes(let answer) = await whole.read(waitingAtMost: Int(hangTimeout)) else {
            Issue.record("a whole request was not answered")
            return
        }
        #expect(answer.hasPrefix("HTTP/1.1 200 OK"))
        #expect(await half.readUntilClosed(waitingAtMost: Int(hangTimeout)))
        #expect(await silent.readUntilClosed(waitingAtMost: Int(hangTimeout)))
        await server.stop()
    }

    /// Between requests on a kept-alive connection the idle timeout applies, and a later request left
    /// half-sent is closed by it too. The header timeout is longer than the test's wait, so only the idle
    /// timeout can close it.
    @Test func aKeptAliveConnectionLeftHalfSentIsClosedByTheIdleTimeout() async throws {
        let server = try await server(
            ConnectionLimits(readHeaderTimeout: .seconds(6 * hangTimeout), idleTimeout: .seconds(1))
        )
        let connection = try RawConnection(port: server.port)
        connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        guard case .bytes(let answer) = await connection.read(waitingAtMost: Int(hangTimeout)) else {
            Issue.record("the first request was not answered")
            return
        }
        #expect(answer.hasPrefix("HTTP/1.1 200 OK"))
        connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        #expect(await connection.readUntilClosed(waitingAtMost: Int(hangTimeout)))
        await server.stop()
    }

    /// At the cap a new connection waits in the backlog, unanswered, and is served once a slot frees.
    @Test func beyondTheCapAConnectionWaitsUntilOneCloses() async throws {
        // The idle timeout longer than the wait, so only the holder's close can free the slot.
        let server = try await server(
            ConnectionLimits(readHeaderTimeout: .seconds(60), idleTimeout: .seconds(6 * hangTimeout), maxConnections: 1)
        )
        var holder: RawConnection? = try RawConnection(port: server.port)
        // The holder is accepted before the waiter connects: its first request is answered.
        holder?.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        guard case .bytes = await holder?.read(waitingAtMost: Int(hangTimeout)) else {
            Issue.record("the first connection was not served")
            return
        }
        let waiter = try RawConnection(port: server.port)
        waiter.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(await waiter.read(waitingAtMost: 1) == .nothingYet)
        holder = nil
        guard case .bytes(let answer) = await waiter.read(waitingAtMost: Int(hangTimeout)) else {
            Issue.record("the waiting connection was not served after a slot freed")
            return
        }
        #expect(answer.hasPrefix("HTTP/1.1 200 OK"))
        await server.stop()
    }
}
