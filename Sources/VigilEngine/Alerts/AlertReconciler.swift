import CoreMetrics
import Logging
import ServiceLifecycle
import VigilHTTP

/// Keeps the firing alerts true to Alertmanager's own list: at start (alerts that fired or resolved while
/// Vigil was down), after a truncated delivery, and every `interval` (an alert that resolved while the
/// webhook was failing is never delivered: only its absence from the list tells).
public struct AlertReconciler<C: Clock>: Service where C.Duration == Duration {
    public let client: AlertmanagerClient
    public let interval: Duration
    private let clock: C
    private let logger: Logger
    private let mark: @Sendable () async -> UInt64
    private let apply: @Sendable ([Alert], UInt64) async -> AlertBook.Receipt
    /// One reconciliation at a time, each from its mark to its apply: the periodic one and one a truncated
    /// delivery asks for could otherwise both mark before either applies, and the older list, applied
    /// second, reopen what the newer one resolved.
    private let turn = Turn()

    public init(
        client: AlertmanagerClient,
        interval: Duration = .seconds(300),
        clock: C,
        logger: Logger,
        mark: @escaping @Sendable () async -> UInt64,
        apply: @escaping @Sendable ([Alert], UInt64) async -> AlertBook.Receipt
    ) {
        self.client = client
        self.interval = interval
        self.clock = clock
        self.logger = logger
        self.mark = mark
        self.apply = apply
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while true {
                await self.reconcile()
                do { try await self.clock.sleep(for: self.interval) } catch { return }
            }
        }
    }

    /// One reconciliation, now. Returns false when Alertmanager could not be asked (nothing changed).
    @discardableResult
    public func reconcile() async -> Bool {
        await turn.take()
        // A reconciliation that waited its turn through a shutdown does not ask.
        let asked = Task.isCancelled ? false : await reconcileInTurn()
        await turn.give()
        return asked
    }

    private func reconcileInTurn() async -> Bool {
        do {
            // Noted before asking: what is delivered while the question is out is newer than the answer.
            let asOf = await mark()
            let active = try await client.activeAlerts()
            let receipt = await apply(active, asOf)
            if receipt.changed {
                logger.notice(
                    "reconciled alerts with Alertmanager",
                    metadata: [
                        "url": "\(URLUserInfo.redacted(client.url))", "opened": "\(receipt.opened.count)",
                        "resolved": "\(receipt.resolved.count)",
                    ]
                )
            }
            return true
        } catch {
            Counter(label: "vigil_alertmanager_reconcile_failures_total").increment()
            logger.warning("cannot reconcile alerts with Alertmanager", metadata: ["error": "\(error)"])
            return false
        }
    }
}

/// Turns taken in order of asking, held across suspension points (an actor's methods interleave at each
/// `await`; this does not).
private actor Turn {
    private var taken = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func take() async {
        guard taken else {
            taken = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func give() {
        if waiting.isEmpty { taken = false } else { waiting.removeFirst().resume() }
    }
}
