import ServiceLifecycle
import VigilCore
import VigilScrape

/// Hands memory freed after the store changed size back to the kernel.
///
/// Learning new series (the first scrape of a target, a rollout's new pods) builds label sets and grows
/// tables, and frees the scratch and the outgrown tables; malloc keeps those pages resident, scattered
/// between live data where the heap's top cannot shrink. `malloc_trim` returns every free page: 9 MB at
/// 100k series in a same-run A/B. It walks the heap, so it runs only when the number of series changed
/// since the last check, never in steady state.
struct HeapTrimmer: Service {
    let manager: ScrapeManager
    var interval: Duration = .seconds(30)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var trimmedAt = 0
            while true {
                do { try await Task.sleep(for: interval) } catch { return }
                let series = await manager.seriesCount
                guard series != trimmedAt else { continue }
                trimmedAt = series
                ProcessMemory.trim()
            }
        }
    }
}
