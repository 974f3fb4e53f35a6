import Metrics
import Prometheus

/// Vigil's own metrics: swift-metrics, kept in one swift-prometheus registry that `/metrics` writes.
enum VigilMetrics {
    /// The registry, with swift-metrics bootstrapped to it on first use. swift-metrics allows one
    /// bootstrap per process, and tests start many daemons in one process: a lazy static does it once.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
