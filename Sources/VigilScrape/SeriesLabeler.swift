/// Turns the labels a target exposes into the labels Vigil stores, as Prometheus does after a scrape:
/// attach the target's labels (`job`, `instance`, static labels), resolving clashes by `honor_labels`,
/// then apply the metric relabelling rules, which may drop the series.
///
/// Runs once per new series (its result is remembered by reference), never per sample.
struct SeriesLabeler {
    let targetLabels: [(name: String, value: String)]
    let honorLabels: Bool
    let rules: [RelabelRule]

    init(target: ScrapeTarget) {
        targetLabels = target.targetLabels
        honorLabels = target.honorLabels
        rules = target.metricRelabeling
    }

    /// The stored labels of a series exposed with `exposed`, or nil when relabelling drops it.
    func label(_ exposed: [(name: String, value: String)]) -> [(name: String, value: String)]? {
        // A label with an empty value is no label, as Prometheus's label builder drops it: `foo{a=""}`
        // is the series `foo`, and an empty exposed `job` is no clash with the target's.
        var labels = exposed.filter { !$0.value.isEmpty }
        for target in targetLabels {
            // honor_labels keeps what was exposed, asking whether the name was there at all (Go's `Has`,
            // on the labels before the empty ones go): an exposed `job=""` leaves the series no job.
            if honorLabels, exposed.contains(where: { $0.name == target.name }) { continue }
            if let clash = labels.firstIndex(where: { $0.name == target.name }) {
                // Prometheus keeps the exposed value as exported_<name>, prefixing again on a second clash.
                var renamed = "exported_" + target.name
                while labels.contains(where: { $0.name == renamed }) { renamed = "exported_" + renamed }
                labels[clash].name = renamed
            }
            labels.append(target)
        }
        for rule in rules where !rule.keeps(labels) { return nil }
        return labels
    }
}
