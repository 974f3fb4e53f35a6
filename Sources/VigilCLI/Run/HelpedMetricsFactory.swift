import CoreMetrics
import Prometheus

/// swift-metrics' factory for Vigil's registry that gives every metric its `# HELP` line: swift-metrics has
/// no place for one, and swift-prometheus's own factory writes none (`promtool check metrics`: "no help
/// text" for each of Vigil's metrics). Handlers as swift-prometheus's factory makes them (its name and label
/// sanitizer applied; a recorder that aggregates is a histogram, one that does not a gauge; a timer a histogram of durations, with its
/// buckets), each with the help ``VigilMetrics/help`` gives its name.
struct HelpedMetricsFactory: MetricsFactory {
    /// swift-prometheus's factory: the registry, the buckets, and the handlers' release.
    let base: PrometheusMetricsFactory
    let help: [String: String]

    /// The name and labels as swift-prometheus's sanitizer gives them, the name with its help.
    private func named(_ label: String, _ dimensions: [(String, String)]) -> (MetricNameDescriptor, [(String, String)])
    {
        let (name, labels) = base.nameAndLabelSanitizer(label, dimensions)
        return (MetricNameDescriptor(metricName: name, unitName: "", helpText: help[name] ?? ""), labels)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        let (descriptor, labels) = named(label, dimensions)
        return base.registry.makeCounter(descriptor: descriptor, labels: labels)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        let (descriptor, labels) = named(label, dimensions)
        return base.registry.makeCounter(descriptor: descriptor, labels: labels)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let (descriptor, labels) = named(label, dimensions)
        guard aggregate else { return base.registry.makeGauge(descriptor: descriptor, labels: labels) }
        let buckets = base.valueHistogramBuckets[descriptor.name] ?? base.defaultValueHistogramBuckets
        return base.registry.makeValueHistogram(descriptor: descriptor, labels: labels, buckets: buckets)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        let (descriptor, labels) = named(label, dimensions)
        return base.registry.makeGauge(descriptor: descriptor, labels: labels)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let (descriptor, labels) = named(label, dimensions)
        let buckets = base.durationHistogramBuckets[descriptor.name] ?? base.defaultDurationHistogramBuckets
        return base.registry.makeDurationHistogram(descriptor: descriptor, labels: labels, buckets: buckets)
    }

    func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        base.destroyFloatingPointCounter(handler)
    }
    func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}
