import Foundation
import Logging
import Testing
import VigilEngine
import VigilHTTP
import VigilTestKit

@testable import VigilServer

/// `POST /webhook/alertmanager` in this process, with the webhook's queue behind it.
@Suite struct WebhookTests {
    /// The reconciliations the queue was asked for, and the deliveries it took.
    final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var reconciliations = 0
        private var deliveries = 0
        func reconciled() { lock.withLock { reconciliations += 1 } }
        func delivered() { lock.withLock { deliveries += 1 } }
        var counts: (reconciliations: Int, deliveries: Int) { lock.withLock { (reconciliations, deliveries) } }

        /// A webhook queue that counts here what it delivers and the reconciliations it asks for. One a
        /// server: each runs its own beside it, and stops it with itself.
        func intake() -> AlertIntake {
            AlertIntake(
                deliver: { _ in
                    self.delivered()
                    return AlertBook.Receipt()
                },
                reconcile: { self.reconciled() }
            )
        }
    }

    /// A delivery as Alertmanager 0.25 posted it.
    static func sample() throws -> [UInt8] {
        Array(
            try Data(
                contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .appendingPathComponent("VigilEngineTests/Fixtures/alertmanager-webhook-sample.json")
            )
        )
    }

    /// Polls (at most ~10 s) until `condition` holds: the queue's consumer runs on its own task.
    static func until(_ condition: () -> Bool) async throws {
        for _ in 0..<2000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
    }

    /// A delivery over the body limit is refused 413, and, since Alertmanager does not retry it (and will
    /// send the group as large again), Alertmanager's API is asked what fires. One in the limit is queued
    /// and asks for nothing.
    @Test func aDeliveryOverTheLimitAsksAlertmanagersAPIWhatFires() async throws {
        let calls = Calls()
        let server = try await TestServer(alerts: calls.intake())
        let url = server.base + "/webhook/alertmanager"
        let sample = try Self.sample()
        #expect(try await postJSON(url, sample).status == 200)
        try await Self.until { calls.counts.deliveries == 1 }
        #expect(calls.counts.reconciliations == 0)

        let huge = try await postJSON(url, [UInt8](repeating: 32, count: 2 << 20))
        #expect(huge.status == 413)
        #expect(huge.body.contains("max_alerts"), "\(huge.body)")
        try await Self.until { calls.counts.reconciliations == 1 }
        #expect(calls.counts.reconciliations == 1)
        #expect(calls.counts.deliveries == 1)
        await server.stop()
    }

    /// A web page of another site that posts a delivery (a `text/plain` form needs no preflight, and
    /// the browser's credentials ride along) is refused; Alertmanager, which sends neither header, is not.
    @Test func aCrossOriginDeliveryIsRefused() async throws {
        let calls = Calls()
        let server = try await TestServer(alerts: calls.intake())
        let sample = try Self.sample()
        func post(_ headers: [(name: String, value: String)]) async throws -> Int {
            try await CurlHTTPClient().execute(
                HTTPRequest(
                    url: server.base + "/webhook/alertmanager",
                    method: .post,
                    headers: [("Content-Type", "text/plain")] + headers,
                    body: sample,
                    timeout: hangTimeout
                )
            ).status
        }
        #expect(try await post([("Sec-Fetch-Site", "cross-site")]) == 403)
        #expect(try await post([("Origin", "http://evil.example")]) == 403)
        #expect(try await post([]) == 200)
        try await Self.until { calls.counts.deliveries == 1 }
        #expect(calls.counts.deliveries == 1)
        await server.stop()
    }

    /// Where the webhook takes only authenticated deliveries (`--allow-apply`), one without credentials is
    /// refused, at every delivery: with no authentication configured (or none left after the web
    /// configuration changed), every one is.
    @Test func aWebhookThatNeedsAuthenticationRefusesAnonymousDeliveries() async throws {
        let calls = Calls()
        let sample = try Self.sample()
        var open = WebSecurity()
        open.webhookNeedsAuthentication = true
        let unprotected = try await TestServer(security: open, alerts: calls.intake())
        let refused = try await postJSON(unprotected.base + "/webhook/alertmanager", sample)
        #expect(refused.status == 403)
        #expect(refused.body.contains("--allow-apply"), "\(refused.body)")
        await unprotected.stop()

        let directory = try TemporaryDirectory("webhook-token")
        try "alertmanager-token\n".write(to: directory.file("token"), atomically: true, encoding: .utf8)
        var protected = try WebSecurity.load(
            webConfigFile: nil,
            bearerTokenFile: directory.file("token").path,
            enabled: [],
            logger: Logger(label: "test")
        )
        protected.webhookNeedsAuthentication = true
        let server = try await TestServer(security: protected, alerts: calls.intake())
        let url = server.base + "/webhook/alertmanager"
        #expect(try await postJSON(url, sample).status == 401)
        #expect(try await postJSON(url, sample, token: "alertmanager-token").status == 200)
        try await Self.until { calls.counts.deliveries == 1 }
        #expect(calls.counts.deliveries == 1)
        await server.stop()
    }

    /// A body cut short (the client went away mid-body) is no body over the limit: it was answered and
    /// counted 413, which the README reads as "set max_alerts", and asked Alertmanager's API what fires.
    @Test func aBodyCutShortIsNotTooLarge() async throws {
        let calls = Calls()
        let intake = AlertIntake(deliver: { _ in AlertBook.Receipt() }, reconcile: { calls.reconciled() })
        let server = try await TestServer(alerts: intake)
        let connection = try RawConnection(port: server.port)
        connection.send(
            "POST /webhook/alertmanager HTTP/1.1\r\nHost: vigil\r\nContent-Length: 1000\r\n\r\n{\"version\": \"4\""
        )
        connection.finishSending()
        var answer = ""
        while case .bytes(let text) = await connection.read(waitingAtMost: 30) { answer += text }
        #expect(!answer.contains(" 413 "), "\(answer)")
        #expect(calls.counts.reconciliations == 0)
        await server.stop()
    }
}
