import Foundation
import VigilAssist
import VigilCore
import VigilEngine
import VigilHTTP
import VigilScrape
import VigilYAML
import Yams

/// The configuration of `vigil run`: a YAML file shaped like Prometheus's own (`global`,
/// `scrape_configs`, `static_configs`, `metric_relabel_configs`, the same limit and TLS field names),
/// plus Vigil's settings. `deploy/vigil.yaml` is the commented example.
struct DaemonConfig: Equatable {
    enum LogFormat: String, CaseIterable { case logfmt, json }

    var listenHost = "0.0.0.0"
    var listenPort = 9464
    /// Where detector checkpoints live; nil keeps learnt state in memory only.
    var stateDirectory: String?
    var checkpointInterval: Double = 300
    /// How long a series no target exposes any more keeps its learnt state before it is removed.
    var seriesRetention: Double = 3600
    /// `series_limit`: the most series kept; new ones beyond it are refused and counted.
    var seriesLimit = ScrapeManager.defaultSeriesLimit
    var logFormat = LogFormat.logfmt
    var logLevel = "info"
    /// Whether every series learns a daily profile (24 hourly baselines). On by default: it is the detector
    /// `vigil detect` and `vigil eval nab` run and the one whose accuracy docs/DETECTION.md reports;
    /// `detection: {seasonal: false}` trades that accuracy for memory.
    var seasonal = true
    /// `detection.backfill`: how far back the detectors learn from `prometheus_url:`'s history at a start
    /// with no checkpoint: by default their warm-up (300 samples of five minutes' time: 25 hours) and an
    /// hour, so they judge the first scrape; 0 learns from the scrapes alone.
    var detectorBackfill: Double = 26 * 3_600
    /// Every scrape configuration's job name and interval, in the file's order.
    var jobs: [DetectorBackfill.Job] = []
    var targets: [ScrapeTarget] = []
    /// The jobs' `kubernetes_sd_configs`: targets found in the cluster.
    var discovery: [KubernetesSDJob] = []
    /// `cluster:` and `--shard`/`--shards`: this replica's share of the targets, and leader election.
    var cluster = ClusterSettings()
    /// `rule_files:` globs, files or directories, already resolved against the configuration file's
    /// directory (as Prometheus resolves them). Empty: `--rules`, else the bundled rules, else none.
    var ruleFiles: [String] = []
    /// Time between diagnosis rounds.
    var diagnosisInterval: Double = 30
    /// `kubernetes.kubeconfig` and `kubernetes.context`: where the cluster is. Neither: $KUBECONFIG,
    /// ~/.kube/config, else the pod's service account, else no cluster.
    var kubeconfig: String?
    var kubeContext: String?
    /// `remediation:` and `--allow-apply`: what Vigil may change on its own.
    var remediation = RemediationPolicy()
    /// `alertmanager:`: where the webhook's alerts are reconciled from; nil: they are not.
    var alertmanager: AlertmanagerSettings?
    /// `prometheus_url:`: a Prometheus to backfill the diagnosis's history from at start; nil learns
    /// from zero.
    var prometheusURL: String?
    /// `narrator:`: an OpenAI-compatible model that explains incidents beside Vigil's own text; nil: off.
    var narrator: NarratorConfiguration?

    /// The jobs whose series ``DetectorBackfill`` reads: every scrape configuration's, and the job of
    /// targets given otherwise (`--scrape`), each at its shortest interval. A job of static targets is
    /// read for the instances of the targets `owns` (this replica's shard) only, and not at all where
    /// it owns none.
    func backfillJobs(owning owns: (ScrapeTarget) -> Bool = { _ in true }) -> [DetectorBackfill.Job] {
        var jobs = self.jobs
        for target in targets where !jobs.contains(where: { $0.name == target.job }) {
            jobs.append(DetectorBackfill.Job(name: target.job, interval: target.interval, instances: []))
        }
        return jobs.compactMap { job in
            guard job.instances != nil else { return job }
            var job = job
            var instances: [String] = []
            for target in targets where target.job == job.name && owns(target) {
                job.interval = min(job.interval, target.interval)
                if !instances.contains(target.instanceLabel) { instances.append(target.instanceLabel) }
            }
            job.instances = instances
            return instances.isEmpty ? nil : job
        }
    }

    /// The detector settings this configuration asks for: by default exactly `EnsembleParameters()`, the
    /// default of `vigil detect` and `vigil eval nab`.
    var detectorParameters: EnsembleParameters {
        var parameters = EnsembleParameters()
        if !seasonal { parameters.components.remove(.seasonal) }
        return parameters
    }

    /// Why a configuration was refused: every error found, one per line, each `file:line:column: …`.
    struct Invalid: Error, CustomStringConvertible, Equatable {
        var errors: [String]
        var description: String { errors.joined(separator: "\n") }
    }

    static func load(file path: String) throws(Invalid) -> DaemonConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(errors: ["\(path): cannot read the configuration file"])
        }
        let text: String
        do { text = try YAMLDocument.text(data, file: path) } catch { throw Invalid(errors: [error.message]) }
        return try parse(text, file: path)
    }

    static func parse(_ yaml: String, file: String) throws(Invalid) -> DaemonConfig {
        var config = DaemonConfig()
        let errors = ConfigReader.read(yaml, file: file) { config.read($0, $1) }
        guard errors.isEmpty else { throw Invalid(errors: errors) }
        return config
    }

    private mutating func read(_ root: Node, _ reader: ConfigReader) {
        let fields = reader.fields(
            root,
            "",
            allowed: [
                "listen", "state_dir", "checkpoint_interval", "series_retention", "series_limit", "log", "detection",
                "global", "scrape_configs", "rule_files", "diagnosis_interval", "kubernetes", "remediation",
                "alertmanager", "prometheus_url", "narrator", "cluster",
            ]
        )
        let resolved = reader.resolved
        if let node = fields["rule_files"] {
            ruleFiles = reader.strings(node, "rule_files").map(resolved)
        }
        if let node = fields["diagnosis_interval"], let seconds = reader.seconds(node, "diagnosis_interval") {
            diagnosisInterval = seconds
        }
        if let node = fields["kubernetes"] {
            let kubernetes = reader.fields(node, "kubernetes", allowed: ["kubeconfig", "context"])
            if let value = kubernetes["kubeconfig"] {
                kubeconfig = reader.string(value, "kubernetes.kubeconfig").map(resolved)
            }
            if let value = kubernetes["context"] { kubeContext = reader.string(value, "kubernetes.context") }
        }
        if let node = fields["remediation"] { remediation = Self.readRemediation(node, reader) }
        if let node = fields["cluster"] { cluster = ClusterSettings.read(node, reader) }
        if let node = fields["alertmanager"] { alertmanager = AlertmanagerSettings.read(node, reader) }
        if let node = fields["narrator"] { narrator = Self.readNarrator(node, reader, resolved: resolved) }
        if let node = fields["prometheus_url"], let text = reader.string(node, "prometheus_url") {
            if text.hasPrefix("http://") || text.hasPrefix("https://") {
                prometheusURL = text
            } else {
                reader.fail(node, "prometheus_url", "expected an http:// or https:// URL, got \"\(text)\"")
            }
        }
        if let node = fields["listen"], let text = reader.string(node, "listen") {
            if let (host, port) = Self.address(text) {
                (listenHost, listenPort) = (host, port)
            } else {
                reader.fail(node, "listen", "expected HOST:PORT (like 0.0.0.0:9464 or [::]:9464), got \"\(text)\"")
            }
        }
        if let node = fields["state_dir"] { stateDirectory = reader.string(node, "state_dir") }
        if let node = fields["checkpoint_interval"], let seconds = reader.seconds(node, "checkpoint_interval") {
            checkpointInterval = seconds
        }
        if let node = fields["series_retention"], let seconds = reader.seconds(node, "series_retention") {
            seriesRetention = seconds
        }
        if let node = fields["series_limit"], let count = reader.count(node, "series_limit") {
            if count > 0 {
                seriesLimit = count
            } else {
                reader.fail(node, "series_limit", "expected at least 1 series")
            }
        }
        if let node = fields["log"] {
            let log = reader.fields(node, "log", allowed: ["format", "level"])
            if let format = log["format"], let text = reader.string(format, "log.format") {
                if let value = LogFormat(rawValue: text) {
                    logFormat = value
                } else {
                    reader.fail(format, "log.format", "expected logfmt or json, got \"\(text)\"")
                }
            }
            if let level = log["level"], let text = reader.string(level, "log.level") {
                if VigilLogging.levels.contains(text) {
                    logLevel = text
                } else {
                    reader.fail(level, "log.level", "expected one of \(VigilLogging.levels.joined(separator: ", "))")
                }
            }
        }
        if let node = fields["detection"] {
            let detection = reader.fields(node, "detection", allowed: ["seasonal", "backfill"])
            if let value = detection["seasonal"], let flag = reader.bool(value, "detection.seasonal") {
                seasonal = flag
            }
            if let value = detection["backfill"], let text = reader.string(value, "detection.backfill") {
                if let seconds = DurationSyntax.seconds(text), seconds <= DetectorBackfill.maximumSpan {
                    detectorBackfill = seconds
                } else {
                    reader.fail(
                        value,
                        "detection.backfill",
                        "expected a duration from 0s (off) to 14d, like 2d or 36h, got \"\(text)\""
                    )
                }
            }
        }
        var defaults = ScrapeTarget(url: "")
        if let node = fields["global"] {
            let global = reader.fields(node, "global", allowed: ["scrape_interval", "scrape_timeout"])
            // An unreadable interval has its own error, and judges no timeout.
            var intervalRead = true
            if let value = global["scrape_interval"] {
                if let seconds = reader.seconds(value, "global.scrape_interval") {
                    defaults.interval = seconds
                } else {
                    intervalRead = false
                }
            }
            if let value = global["scrape_timeout"], let seconds = reader.seconds(value, "global.scrape_timeout") {
                // Refused as Prometheus refuses a timeout over the interval ("global scrape timeout greater
                // than scrape interval"), not cut to it in silence; where no interval is written, Vigil's
                // default (15s) is the one, where Prometheus's is 1m.
                if seconds > defaults.interval, intervalRead {
                    let written = global["scrape_interval"] == nil ? ", the default" : ""
                    reader.fail(
                        value,
                        "global.scrape_timeout",
                        "must not exceed scrape_interval (\(DurationSyntax.text(seconds: defaults.interval))\(written))"
                    )
                }
                defaults.timeout = seconds
            }
        }
        if let node = fields["scrape_configs"] {
            var names: Set<String> = []
            for (index, job) in reader.list(node, "scrape_configs").enumerated() {
                let path = "scrape_configs[\(index)]"
                let read = ScrapeConfigReader(reader: reader, defaults: defaults).read(job, path)
                if !read.name.isEmpty {
                    if names.insert(read.name).inserted {
                        // A job of static targets only is read for their instances only (the others are
                        // series no scrape of Vigil's would map): those this replica owns, filled in by
                        // `backfillJobs(owning:)`.
                        jobs.append(
                            DetectorBackfill.Job(
                                name: read.name,
                                interval: read.interval,
                                instances: read.discovery.isEmpty ? [] : nil
                            )
                        )
                    } else {
                        reader.fail(job, path + ".job_name", "job \"\(read.name)\" is configured twice")
                    }
                }
                targets += read.targets
                discovery += read.discovery
            }
        }
    }

    /// `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces).
    static func address(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
