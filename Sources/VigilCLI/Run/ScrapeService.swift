import ServiceLifecycle
import UnixSignals
import VigilHTTP
import VigilKube
import VigilScrape

/// The scrape manager as a service: scrapes until graceful shutdown begins.
struct ScrapeService: Service {
    let manager: ScrapeManager
    /// Run first, when nothing else prepares the store (learning from Prometheus without a checkpoint).
    var prepare: (@Sendable () async -> Bool)?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            _ = await prepare?()
            await manager.run()
        }
    }
}

/// The cluster watcher as a service: keeps the cluster model current until graceful shutdown.
struct ClusterWatchService: Service {
    let watcher: ClusterWatcher

    func run() async throws {
        await cancelWhenGracefulShutdown { await watcher.run() }
    }
}

/// Reloads the configuration on every `SIGHUP`, as Prometheus does.
struct HangupReloader: Service {
    let reloader: ConfigReloader

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            _ = await reloader.reload(trigger: "SIGHUP")
        }
    }
}
