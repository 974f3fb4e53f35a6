import ServiceLifecycle
import UnixSignals
import VigilHTTP
import VigilScrape

/// The scrape manager as a service: scrapes until graceful shutdown begins.
struct ScrapeService: Service {
    let manager: ScrapeManager

    func run() async throws {
        await cancelWhenGracefulShutdown { await manager.run() }
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
