import VigilCore
import VigilHTTP
import VigilScrape
import VigilYAML
import Yams

/// Reads one `scrape_configs` entry into the targets it names, with Prometheus's field names and
/// defaults: `job_name` (required), `scheme`, `metrics_path`, `params`, `scrape_interval`, `scrape_timeout`,
/// `honor_labels`, the limits, `tls_config`, `authorization`, `basic_auth`, `static_configs`,
/// `relabel_configs` (keep/drop of targets, on `__address__`, `__scheme__`, `__metrics_path__`, `job`
/// and the static labels, or the discovered `__meta_kubernetes_*` labels), `metric_relabel_configs` and
/// `kubernetes_sd_configs` (see ``readKubernetesSD(_:_:job:)``).
struct ScrapeConfigReader {
    let reader: ConfigReader
    let defaults: ScrapeTarget

    static let fields = [
        "job_name", "scheme", "metrics_path", "scrape_interval", "scrape_timeout", "honor_labels", "sample_limit",
        "body_size_limit", "label_limit", "label_name_length_limit", "label_value_length_limit", "tls_config",
        "authorization", "basic_auth", "static_configs", "relabel_configs", "metric_relabel_configs",
        "kubernetes_sd_configs", "params",
    ]

    /// One job: its name, its scrape interval, its static targets and its discovery.
    struct Job {
        var name: String
        var interval: Double = 0
        var targets: [ScrapeTarget] = []
        var discovery: [KubernetesSDJob] = []
    }

    func read(_ node: Node, _ path: String) -> Job {
        let fields = reader.fields(node, path, allowed: Self.fields)
        var template = defaults
        guard let jobNode = fields["job_name"] else {
            reader.fail(node, path + ".job_name", "required")
            return Job(name: "")
        }
        template.job = reader.string(jobNode, path + ".job_name") ?? ""
        var scheme = "http"
        if let value = fields["scheme"], let text = reader.string(value, path + ".scheme") {
            if ["http", "https"].contains(text) {
                scheme = text
            } else {
                reader.fail(value, path + ".scheme", "expected http or https, got \"\(text)\"")
            }
        }
        var metricsPath = "/metrics"
        if let value = fields["metrics_path"], let text = reader.string(value, path + ".metrics_path") {
            metricsPath = text
        }
        // `params: {module: [http_2xx]}`: the URL's query (a probe's module, a federation's `match[]`).
        var params: [String: [String]] = [:]
        if let value = fields["params"], let mapping = value.mapping {
            for (key, values) in mapping {
                guard let name = reader.string(key, path + ".params") else { continue }
                params[name] = reader.strings(values, "\(path).params.\(name)")
            }
        } else if let value = fields["params"] {
            reader.fail(value, path + ".params", "expected a mapping of names to lists of values")
        }
        if let value = fields["scrape_interval"], let seconds = reader.seconds(value, path + ".scrape_interval") {
            template.interval = seconds
        }
        var timeout = template.timeout
        if let value = fields["scrape_timeout"], let seconds = reader.seconds(value, path + ".scrape_timeout") {
            timeout = seconds
            if seconds > template.interval {
                reader.fail(value, path + ".scrape_timeout", "must not exceed scrape_interval (\(template.interval)s)")
            }
        }
        template.timeout = min(timeout, template.interval)
        if let value = fields["honor_labels"], let flag = reader.bool(value, path + ".honor_labels") {
            template.honorLabels = flag
        }
        readLimits(fields, path, into: &template)
        if let value = fields["tls_config"] { template.tls = reader.tlsConfig(value, path + ".tls_config") }
        template.authorization = reader.authorization(fields, path)
        if let value = fields["metric_relabel_configs"] {
            template.metricRelabeling = reader.list(value, path + ".metric_relabel_configs").enumerated().compactMap {
                readRelabel($0.element, "\(path).metric_relabel_configs[\($0.offset)]", actions: [.keep, .drop])
            }
        }
        let targetRules =
            fields["relabel_configs"].map { node in
                reader.list(node, path + ".relabel_configs").enumerated().compactMap {
                    // Label-changing actions apply to discovered targets; a static target's labels
                    // are the file's own, so there only keep and drop mean something.
                    readRelabel(
                        $0.element,
                        "\(path).relabel_configs[\($0.offset)]",
                        actions: fields["static_configs"] == nil ? Set(RelabelRule.Action.allCases) : [.keep, .drop]
                    )
                }
            } ?? []
        var job = Job(name: template.job, interval: template.interval)
        if let sdNode = fields["kubernetes_sd_configs"] {
            let discovery = DiscoveryJob(
                template: template,
                scheme: scheme,
                metricsPath: metricsPath,
                relabeling: targetRules,
                params: params
            )
            job.discovery = readKubernetesSD(sdNode, path + ".kubernetes_sd_configs", job: discovery)
        }
        guard let staticNode = fields["static_configs"] else {
            if fields["kubernetes_sd_configs"] == nil {
                reader.fail(
                    node,
                    path + ".static_configs",
                    "required: the targets to scrape (or kubernetes_sd_configs)"
                )
            }
            return job
        }
        var targets: [ScrapeTarget] = []
        // A target given twice in a job (the same URL and labels) is scraped once, as Prometheus
        // dedupes a job's targets by their labels: a repeated address is a mistake, not a second target.
        var distinct: Set<[String]> = []
        for (index, group) in reader.list(staticNode, path + ".static_configs").enumerated() {
            let groupPath = "\(path).static_configs[\(index)]"
            let groupFields = reader.fields(group, groupPath, allowed: ["targets", "labels"])
            // An empty value is no label, as Prometheus's labels builder deletes it (`instance: ""` leaves
            // the address as the instance).
            let given = groupFields["labels"].map { reader.stringMap($0, groupPath + ".labels") } ?? [:]
            // Each error at its own key's line, not the mapping's first.
            var keyNodes: [String: Node] = [:]
            for (key, _) in groupFields["labels"]?.mapping ?? [:] {
                if let name = key.scalar?.string, keyNodes[name] == nil { keyNodes[name] = key }
            }
            for (name, _) in given.sorted(by: { $0.key < $1.key }) {
                if !Self.isLabelName(name) {
                    reader.fail(keyNodes[name], groupPath + ".labels", "\"\(name)\" is not a valid label name")
                } else if name.hasPrefix("__") {
                    // Prometheus reads these as the target's address, scheme, path and parameters, and
                    // keeps them off the series; Vigil builds the URL from the job's fields only.
                    reader.fail(
                        keyNodes[name],
                        groupPath + ".labels",
                        "\"\(name)\": labels starting with __ are not supported here (set scheme and metrics_path on the job)"
                    )
                }
            }
            var labels = given.filter { !$0.value.isEmpty }
            // A static `job` is the target's job, as Prometheus sets `job` only where no label has: its
            // series, the health API and the backfill's `{job="…"}` all read it.
            let job = labels.removeValue(forKey: "job") ?? template.job
            guard let addresses = groupFields["targets"] else {
                reader.fail(group, groupPath + ".targets", "required")
                continue
            }
            // Each element by its own node: its error at its own line, and its index its place in the list.
            for (position, element) in reader.list(addresses, groupPath + ".targets").enumerated() {
                let elementPath = "\(groupPath).targets[\(position)]"
                guard let address = reader.string(element, elementPath) else { continue }
                guard let url = TargetURL.make(scheme: scheme, address: address, path: metricsPath, parameters: params)
                else {
                    reader.fail(
                        element,
                        elementPath,
                        "expected HOST:PORT (a host name or IP address, IPv6 in brackets; a port from 1 to 65535), got \"\(address)\""
                    )
                    continue
                }
                var target = template
                target.url = url
                target.job = job
                target.labels = labels
                let targetLabels =
                    [
                        ("__address__", address), ("__scheme__", scheme), ("__metrics_path__", metricsPath),
                        ("job", target.job), ("__scrape_interval__", DurationSyntax.text(seconds: target.interval)),
                        ("__scrape_timeout__", DurationSyntax.text(seconds: target.timeout)),
                    ]
                    + (labels.merging(TargetURL.labels(of: params)) { own, _ in own }).sorted { $0.key < $1.key }
                    .map { ($0.key, $0.value) }
                guard targetRules.allSatisfy({ $0.keeps(targetLabels) }),
                    distinct.insert(
                        [target.url, job] + labels.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }
                    )
                    .inserted
                else { continue }
                targets.append(target)
            }
        }
        job.targets = targets
        return job
    }

    private func readLimits(_ fields: [String: Node], _ path: String, into target: inout ScrapeTarget) {
        if let value = fields["sample_limit"], let count = reader.count(value, path + ".sample_limit") {
            target.sampleLimit = count
        }
        if let value = fields["body_size_limit"], let bytes = reader.bytes(value, path + ".body_size_limit") {
            target.bodySizeLimit = bytes
        }
        if let value = fields["label_limit"], let count = reader.count(value, path + ".label_limit") {
            target.labelLimits.labels = count
        }
        if let value = fields["label_name_length_limit"],
            let count = reader.count(value, path + ".label_name_length_limit")
        {
            target.labelLimits.nameLength = count
        }
        if let value = fields["label_value_length_limit"],
            let count = reader.count(value, path + ".label_value_length_limit")
        {
            target.labelLimits.valueLength = count
        }
    }

    private func readRelabel(_ node: Node, _ path: String, actions: Set<RelabelRule.Action>) -> RelabelRule? {
        let fields = reader.fields(
            node,
            path,
            allowed: ["action", "source_labels", "separator", "regex", "target_label", "replacement"]
        )
        let names = RelabelRule.Action.allCases.filter(actions.contains).map(\.rawValue)
        let supported = names.dropLast().joined(separator: ", ") + " and " + (names.last ?? "")
        // Prometheus's default action is replace; Vigil's was keep-or-drop only, so the action is asked for.
        guard let value = fields["action"], let text = reader.string(value, path + ".action") else {
            reader.fail(node, path + ".action", "required (\(supported))")
            return nil
        }
        // Case aside, as Prometheus reads it (`Action.UnmarshalYAML` lowercases it).
        guard let action = RelabelRule.Action(rawValue: text.lowercased()), actions.contains(action) else {
            reader.fail(value, path + ".action", "only \(supported) are supported here, got \"\(text)\"")
            return nil
        }
        let sources = fields["source_labels"].map { reader.strings($0, path + ".source_labels") } ?? []
        if [.keep, .drop].contains(action), sources.isEmpty {
            reader.fail(node, path + ".source_labels", "required: the labels whose values the regex matches")
            return nil
        }
        let separator = fields["separator"].flatMap { reader.string($0, path + ".separator") } ?? ";"
        let regex = fields["regex"].flatMap { reader.string($0, path + ".regex") } ?? "(.*)"
        let target = fields["target_label"].flatMap { reader.string($0, path + ".target_label") } ?? ""
        let replacement = fields["replacement"].flatMap { reader.string($0, path + ".replacement") } ?? "$1"
        do {
            return try RelabelRule(
                action: action,
                sourceLabels: sources,
                separator: separator,
                regex: regex,
                targetLabel: target,
                replacement: replacement
            )
        } catch let invalid as RelabelRule.Invalid {
            reader.fail(fields["target_label"] ?? node, path + ".target_label", invalid.description)
            return nil
        } catch {
            reader.fail(fields["regex"], path + ".regex", "invalid regular expression: \(error)")
            return nil
        }
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || (first | 0x20) >= 97 && (first | 0x20) <= 122
        else { return false }
        return name.utf8.allSatisfy {
            $0 == UInt8(ascii: "_") || ($0 | 0x20) >= 97 && ($0 | 0x20) <= 122 || $0 >= 48 && $0 <= 57
        }
    }
}
