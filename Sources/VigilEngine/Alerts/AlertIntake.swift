import CoreMetrics
import Foundation
import ServiceLifecycle

/// The webhook's queue: the HTTP handler offers each decoded delivery and answers at once (503 with
/// Retry-After when the queue is full, so Alertmanager retries with backoff); this service hands them, in
/// order, to diagnosis. A delivery with `truncatedAlerts` asks for a reconciliation, since the payload is
/// not the whole group: run beside the deliveries, never in their way (a slow Alertmanager must not fill
/// the queue), and requests made while one runs coalesce into one more.
public final class AlertIntake: Service, @unchecked Sendable {
    /// Most deliveries queued.
    public let capacity: Int
    /// Most memory the queued alerts may take, over all deliveries, as ``weight(of:)`` counts it: 1,024
    /// deliveries of up to 1 MiB each, decoded, would be gigabytes. A delivery into an empty queue is
    /// always taken (the body limit bounds it), so one heavier than this is not refused for ever.
    public let byteCapacity: Int
    /// Each delivery with its ``weight(of:)``, counted once, as it went in.
    private let stream: AsyncStream<(webhook: AlertmanagerWebhook, bytes: Int)>
    private let continuation: AsyncStream<(webhook: AlertmanagerWebhook, bytes: Int)>.Continuation
    // An NSLock (a pthread mutex), not Synchronization's Mutex: ThreadSanitizer sees through the former,
    // and reported the latter's futex-guarded depth as a race (as it did CallGate's count).
    private let lock = NSLock()
    private var depth = 0
    private var queuedBytes = 0
    private let deliver: @Sendable ([Alert]) async -> AlertBook.Receipt
    private let reconcile: @Sendable () async -> Void
    private let reconcileRequests: AsyncStream<Void>
    private let requestReconcile: AsyncStream<Void>.Continuation
    private let metrics = (
        depth: Gauge(label: "vigil_webhook_queue_depth"),
        duplicates: Counter(label: "vigil_webhook_duplicates_total"),
        refused: Counter(label: "vigil_webhook_alerts_refused_total"),
        truncated: Counter(label: "vigil_webhook_truncated_deliveries_total"),
        // One handle per status, made once: a lookup in the metrics registry per alert is a lock and a
        // hash, at thousands of deliveries a second.
        firing: Counter(label: "vigil_webhook_alerts_total", dimensions: [("status", Alert.Status.firing.rawValue)]),
        resolved: Counter(label: "vigil_webhook_alerts_total", dimensions: [("status", Alert.Status.resolved.rawValue)])
    )

    /// - Parameters:
    ///   - deliver: takes a delivery's alerts (``DiagnosisService/receive(_:)``).
    ///   - reconcile: asks Alertmanager for the whole truth (a no-op without its URL).
    public init(
        capacity: Int = 1024,
        byteCapacity: Int = 64 << 20,
        deliver: @escaping @Sendable ([Alert]) async -> AlertBook.Receipt,
        reconcile: @escaping @Sendable () async -> Void = {}
    ) {
        self.capacity = capacity
        self.byteCapacity = byteCapacity
        (stream, continuation) = AsyncStream.makeStream(
            of: (webhook: AlertmanagerWebhook, bytes: Int).self,
            bufferingPolicy: .bufferingOldest(capacity)
        )
        self.deliver = deliver
        self.reconcile = reconcile
        (reconcileRequests, requestReconcile) = AsyncStream.makeStream(
            of: Void.self,
            bufferingPolicy: .bufferingNewest(1)
        )
        metrics.depth.record(0)
    }

    /// Queues a delivery; false when the queue is full, of deliveries or of bytes (answer 503).
    public func offer(_ webhook: AlertmanagerWebhook) -> Bool {
        let bytes = Self.weight(of: webhook)
        // The check, the count and the gauge under one lock, so the gauge ends at the depth the last
        // change left (the consumer records its own under the same lock).
        let accepted = lock.withLock { () -> Bool in
            guard depth < capacity, depth == 0 || queuedBytes + bytes <= byteCapacity else { return false }
            depth += 1
            queuedBytes += bytes
            metrics.depth.record(depth)
            return true
        }
        guard accepted else { return false }
        if case .dropped = continuation.yield((webhook, bytes)) {
            taken(bytes)
            return false
        }
        return true
    }

    /// About what a delivery takes in memory: every string of it (labels, annotations, fingerprints, the
    /// group key, the URL, the receiver), and 256 bytes an alert for the rest (dictionaries, headers).
    static func weight(of webhook: AlertmanagerWebhook) -> Int {
        let head = webhook.groupKey.utf8.count + webhook.externalURL.utf8.count + webhook.receiver.utf8.count
        return webhook.alerts.reduce(head) { total, alert in
            let text = [alert.labels, alert.annotations].reduce(alert.fingerprint.utf8.count) { sum, map in
                map.reduce(sum) { $0 + $1.key.utf8.count + $1.value.utf8.count }
            }
            return total + 256 + text
        }
    }

    /// A delivery out of the queue, to diagnosis or dropped.
    private func taken(_ bytes: Int) {
        lock.withLock {
            depth -= 1
            queuedBytes -= bytes
            metrics.depth.record(depth)
        }
    }

    public var queued: Int { lock.withLock { depth } }

    /// Asks for a reconciliation with Alertmanager: for a delivery refused whole (over the body limit),
    /// which Alertmanager does not retry and sends again, refused again, at every flush of the group.
    public func requestReconciliation() {
        requestReconcile.yield()
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in self.reconcileRequests { await self.reconcile() }
                }
                await self.intake()
                self.requestReconcile.finish()
            }
        }
    }

    private func intake() async {
        for await (webhook, bytes) in self.stream {
            // Recorded under the lock, as `offer` records it: the gauge ends at the depth the last
            // change left, whichever side changed it last.
            self.taken(bytes)
            let receipt = await self.deliver(webhook.alerts)
            let firing = webhook.alerts.count { $0.status == .firing }
            if firing > 0 { self.metrics.firing.increment(by: firing) }
            if firing < webhook.alerts.count { self.metrics.resolved.increment(by: webhook.alerts.count - firing) }
            if receipt.duplicates > 0 { self.metrics.duplicates.increment(by: receipt.duplicates) }
            if receipt.refused > 0 { self.metrics.refused.increment(by: receipt.refused) }
            if webhook.truncatedAlerts > 0 {
                self.metrics.truncated.increment()
                self.requestReconciliation()
            }
        }
    }
}
