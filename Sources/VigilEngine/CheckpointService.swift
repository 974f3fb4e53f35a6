import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle
import VigilCore
import VigilYAML

/// Restores the last checkpoint, then writes one every `interval` and a last one at graceful shutdown,
/// so a `kill -9` loses at most one interval of learning and a clean stop loses nothing.
///
/// Restoring runs here, inside the service group, not before it: the HTTP server answers `/healthz`
/// (and says not ready) while a large checkpoint is read, instead of not answering at all. Nothing is
/// written before the restore is over, and nothing at all when a stop cut the restore short (a
/// backfill from Prometheus): no scrape has run, so nothing is lost, and the next start restores, or
/// backfills, afresh instead of taking back what was cut short.
///
/// Run it before (so it stops after) the services that feed the store: the final checkpoint then holds
/// everything they learnt.
public struct CheckpointService: Service {
    public let checkpoint: StateCheckpoint
    public let interval: Duration
    private let snapshot: @Sendable () async -> StoreSnapshot
    /// True when it ran to its end; false when a stop cut it short.
    private let restore: @Sendable () async -> Bool
    private let logger: Logger
    private let writes = Counter(label: "vigil_checkpoint_writes_total", dimensions: [("result", "success")])
    private let failures = Counter(label: "vigil_checkpoint_writes_total", dimensions: [("result", "failure")])
    private let lastSuccess = Gauge(label: "vigil_checkpoint_last_success_timestamp_seconds")
    private let size = Gauge(label: "vigil_checkpoint_size_bytes")

    public init(
        checkpoint: StateCheckpoint,
        interval: Duration,
        logger: Logger,
        restore: @escaping @Sendable () async -> Bool = { true },
        snapshot: @escaping @Sendable () async -> StoreSnapshot
    ) {
        self.checkpoint = checkpoint
        self.interval = interval
        self.logger = logger
        self.restore = restore
        self.snapshot = snapshot
    }

    public func run() async throws {
        // A stop during a long restore (a backfill from Prometheus) cuts it short, and nothing is written.
        guard await cancelWhenGracefulShutdown({ await restore() }) else { return }
        await cancelWhenGracefulShutdown {
            while true {
                do { try await Task.sleep(for: interval) } catch { return }
                await writeCheckpoint(reason: "periodic")
            }
        }
        await writeCheckpoint(reason: "shutdown")
    }

    /// Takes a snapshot and writes it; a failure is logged and counted, never fatal (the next one may
    /// succeed, and detection goes on either way).
    public func writeCheckpoint(reason: String) async {
        let started = ContinuousClock.now
        let state = await snapshot()
        do {
            let bytes = try checkpoint.write(state)
            let took = ContinuousClock.now - started
            if took > interval {
                logger.warning(
                    "a checkpoint took longer than the checkpoint interval; lower series_limit or raise checkpoint_interval",
                    metadata: [
                        "took": "\(took.logText)", "interval": "\(interval.logText)", "series": "\(state.series.count)",
                    ]
                )
            }
            writes.increment()
            lastSuccess.record(Date().timeIntervalSince1970)
            size.record(bytes)
            logger.info(
                "checkpoint written",
                metadata: [
                    "reason": "\(reason)", "path": "\(checkpoint.path)", "series": "\(state.series.count)",
                    "bytes": "\(bytes)", "took": "\((ContinuousClock.now - started).logText)",
                ]
            )
        } catch {
            failures.increment()
            logger.error("checkpoint not written", metadata: ["path": "\(checkpoint.path)", "error": "\(error)"])
        }
    }
}
