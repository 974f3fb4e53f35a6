import VigilKube
import VigilScrape

/// A `scrape_configs` job's `kubernetes_sd_configs` entry: what to watch, and how what is found becomes
/// a scrape target.
struct KubernetesSDJob: Sendable, Equatable {
    var configuration: KubernetesSDConfiguration
    var job: DiscoveryJob
}
