import Foundation
import Logging
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilEngine

/// Reconciliations take turns: the periodic one and one a truncated delivery asks for could both note the
/// deliveries before either applied its list, and the older list, applied second, reopened an alert the
/// newer one had resolved.
struct AlertReconcilerTests {
    /// Alertmanager's API answering the first list (the alert firing) only when the test lets it, and
    /// every later one empty (the alert resolved since).
    final class HeldAlertmanager: WholeAnswerTransport, @unchecked Sendable {
        let requests = Locked(0)
        private let release = AsyncStream<Void>.makeStream()

        func letTheFirstAnswer() { release.continuation.yield() }

        func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
            let number = requests.withLock {
                $0 += 1
                return $0
            }
            var body = "[]"
            if number == 1 {
                for await _ in release.stream { break }
                body = #"[{"fingerprint":"x","labels":{"alertname":"A"},"startsAt":"2026-12-07T10:00:00.000Z"}]"#
            }
            return HTTPResponse(status: 200, headers: [], body: Array(body.utf8), bytesOnWire: body.utf8.count)
        }
    }

    @Test func aListAskedForEarlierIsNotAppliedAfterALaterOne() async throws {
        let transport = HeldAlertmanager()
        let book = Locked(AlertBook())
        let firing = Alert(fingerprint: "x", status: .firing, labels: ["alertname": "A"], startsAt: 1_796_637_600)
        _ = book.withLock { $0.receive([firing], at: 0) }
        let reconciler = AlertReconciler(
            client: AlertmanagerClient(url: "http://alertmanager", receiver: "vigil", transport: transport),
            clock: ContinuousClock(),
            logger: Logger(label: "test"),
            mark: { book.withLock { $0.deliveries } },
            apply: { active, asOf in book.withLock { $0.reconcile(active: active, asOf: asOf, at: 10) } }
        )
        let first = Task { await reconciler.reconcile() }
        for _ in 0..<2_000 where transport.requests.withLock({ $0 }) == 0 {
            try await Task.sleep(for: .milliseconds(5))
        }
        let second = Task { await reconciler.reconcile() }
        // Taking turns, the second does not ask until the first has applied its list: no second request
        // comes while the first is out. (Without turns it came at once, and its empty list resolved the
        // alert before the first list, held here, reopened it.)
        for _ in 0..<20 where transport.requests.withLock({ $0 }) == 1 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(transport.requests.withLock { $0 } == 1)
        transport.letTheFirstAnswer()
        let (firstAsked, secondAsked) = (await first.value, await second.value)
        #expect(firstAsked && secondAsked)
        #expect(transport.requests.withLock { $0 } == 2)
        #expect(book.withLock { $0.firing.isEmpty }, "the later list, applied last, has the alert resolved")
    }

    /// An alert left out of the list would read as resolved: one that cannot be read (a start in another
    /// format) fails the whole list, and the book is left as it was.
    @Test func anAlertThatCannotBeReadFailsTheWholeList() async throws {
        let list = #"""
            [{"fingerprint":"x","labels":{"alertname":"A"},"startsAt":"2026-12-07T10:00:00.000Z"},
             {"fingerprint":"y","labels":{"alertname":"B"},"startsAt":"10:00 today"}]
            """#
        let client = AlertmanagerClient(
            url: "http://alertmanager",
            receiver: "vigil",
            transport: FixedResponseTransport(body: Array(list.utf8), contentType: "application/json")
        )
        await #expect(throws: AlertmanagerClient.Failure.self) { try await client.activeAlerts() }
        let book = Locked(AlertBook())
        let held = Alert(fingerprint: "y", status: .firing, labels: ["alertname": "B"], startsAt: 1_796_637_600)
        _ = book.withLock { $0.receive([held], at: 0) }
        let reconciler = AlertReconciler(
            client: client,
            clock: ContinuousClock(),
            logger: Logger(label: "test"),
            mark: { book.withLock { $0.deliveries } },
            apply: { active, asOf in book.withLock { $0.reconcile(active: active, asOf: asOf, at: 10) } }
        )
        #expect(await reconciler.reconcile() == false)
        #expect(book.withLock { Array($0.firing.keys) } == ["y"])
    }
}
