import VigilCore
import VigilHTTP

/// One thing to scrape, with the limits Prometheus's `scrape_config` puts on it.
public struct ScrapeTarget: Sendable, Equatable {
    public var url: String
    /// The `job` label of every series scraped from this target.
    public var job: String
    /// Further labels to attach to every series (`static_configs[].labels`).
    public var labels: [String: String]
    /// On a clash with a target label, keep the target's exposed value (true) or rename it to
    /// `exported_<name>` (false, the default; true is for federation and the Pushgateway).
    public var honorLabels: Bool
    /// `metric_relabel_configs`: keep/drop rules applied to each series after the target labels.
    public var metricRelabeling: [RelabelRule]
    /// Seconds between scrapes, and the most one scrape may take (must not exceed the interval).
    public var interval: Double
    public var timeout: Double
    /// Most samples one scrape may hold (0 = unlimited); exceeding it fails the whole scrape.
    public var sampleLimit: Int
    /// Most decoded body bytes (0 = unlimited; default ``defaultBodySizeLimit``); exceeding it fails
    /// the whole scrape.
    public var bodySizeLimit: Int
    /// `label_limit`, `label_name_length_limit`, `label_value_length_limit`: exceeding one fails the whole
    /// scrape.
    public var labelLimits: LabelLimits
    /// `tls_config`, and `authorization` / `basic_auth`.
    public var tls: TLSConfiguration
    public var authorization: Authorization?

    public init(
        url: String,
        job: String = "vigil",
        labels: [String: String] = [:],
        honorLabels: Bool = false,
        metricRelabeling: [RelabelRule] = [],
        interval: Double = 15,
        timeout: Double = 10,
        sampleLimit: Int = 0,
        bodySizeLimit: Int = ScrapeTarget.defaultBodySizeLimit,
        labelLimits: LabelLimits = .none,
        tls: TLSConfiguration = TLSConfiguration(),
        authorization: Authorization? = nil
    ) {
        self.url = url
        self.job = job
        self.labels = labels
        self.honorLabels = honorLabels
        self.metricRelabeling = metricRelabeling
        self.interval = interval
        self.timeout = min(timeout, interval)
        self.sampleLimit = sampleLimit
        self.bodySizeLimit = bodySizeLimit
        self.labelLimits = labelLimits
        self.tls = tls
        self.authorization = authorization
    }

    /// The `instance` label: the URL's `host:port`, as Prometheus takes it from the target address —
    /// never its user info (`http://user:secret@host/` published the password on every series).
    public var instance: String { URLUserInfo.hostAndPort(url) }

    /// The URL as logs and the API show it: a password in it reads `<secret>`, as in Prometheus.
    public var displayURL: String { URLUserInfo.redacted(url) }

    /// The decoded-body cap of a target whose configuration sets none: it bounds a gzip bomb (a few
    /// megabytes on the wire inflating to gigabytes) while leaving room for the largest real
    /// expositions (kube-state-metrics of a big cluster: a few hundred thousand series, tens of MB).
    /// `body_size_limit: 0` lifts it.
    public static let defaultBodySizeLimit = 256 << 20

    /// The labels attached to every series of this target, sorted by name: its static labels, its job,
    /// and `instance` where they have none (Prometheus sets it only where no label has).
    public var targetLabels: [(name: String, value: String)] {
        var all = labels
        all["job"] = job
        all["instance"] = instanceLabel
        return all.map { (name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
    }

    /// Whether `other` scrapes the same series in the same way, differing at most in how often and how
    /// patiently it is scraped, how much it may send and how it is reached: what Prometheus ignores when it
    /// decides whether a reloaded target keeps its scrape cache (`reusableCache`), and with it its series
    /// unbroken by staleness.
    public func scrapesTheSameSeries(as other: ScrapeTarget) -> Bool {
        func series(_ target: ScrapeTarget) -> ScrapeTarget {
            var series = target
            (series.interval, series.timeout, series.sampleLimit, series.bodySizeLimit) = (0, 0, 0, 0)
            (series.tls, series.authorization) = (TLSConfiguration(), nil)
            return series
        }
        return series(self) == series(other)
    }

    /// The `instance` label of its series: a static `instance` label, else the address.
    public var instanceLabel: String { labels["instance"] ?? instance }

    /// How long after `now` (seconds since the epoch) this target's first scrape should start, so that
    /// targets sharing an interval are spread over it, each at a stable phase, as Prometheus spreads them
    /// (`Target.offset`): the phase comes from a hash of the URL.
    public func firstScrapeDelay(now: Double) -> Double {
        let hash = FNV1a.hash(url.utf8)
        let phase = Double(hash % 1_000_000) / 1_000_000 * interval
        let sinceCycleStart = now.truncatingRemainder(dividingBy: interval)
        let delay = phase - sinceCycleStart
        return delay < 0 ? delay + interval : delay
    }
}
