import Foundation
import VigilHTTP
import Yams

/// Prometheus's `global.external_labels`. Remote read adds them to every series it returns;
/// `query_range` does not, and neither do Vigil's own scrapes — so they are taken off again, or the
/// same series would have two names (kube-prometheus sets `prometheus` and `prometheus_replica`).
enum ExternalLabels {
    /// The labels the server's loaded configuration declares (`GET /api/v1/status/config`); none when
    /// it does not say (an older server, a proxy that hides the endpoint): then nothing is taken off.
    static func read(_ source: PrometheusSource, transport: any HTTPTransport) async -> [String: String] {
        guard let yaml = await source.data(of: "/api/v1/status/config", transport: transport)?["yaml"] as? String
        else { return [:] }
        return parse(yaml)
    }

    /// `global.external_labels` of a configuration as Prometheus prints it.
    static func parse(_ yaml: String) -> [String: String] {
        guard let document = (try? Yams.load(yaml: yaml)) as? [String: Any],
            let global = document["global"] as? [String: Any],
            let labels = global["external_labels"] as? [String: Any]
        else { return [:] }
        return labels.reduce(into: [:]) { result, label in result[label.key] = "\(label.value)" }
    }

    /// `labels` without the external ones (a series's own label of the same name and another value stays).
    static func removing(_ external: [String: String], from labels: [String: String]) -> [String: String] {
        guard !external.isEmpty else { return labels }
        return labels.filter { external[$0.key] != $0.value }
    }
}
