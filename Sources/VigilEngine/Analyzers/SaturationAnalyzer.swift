import VigilKube
import VigilYAML

/// Saturation against limits, from the signals the rule pack names `memory_working_set`,
/// `memory_limit` and `cpu_throttling`: a working set near its limit, a working set that grows steadily
/// towards it (a leak, with the time left), and CPU throttling.
public struct SaturationAnalyzer: CauseAnalyzer {
    /// How far ahead a leak is worth a finding.
    public var leakHorizon: Double
    /// The share of CFS periods throttled that counts as starved.
    public var throttledShare: Double

    public init(leakHorizon: Double = 12 * 3600, throttledShare: Double = 0.25) {
        self.leakHorizon = leakHorizon
        self.throttledShare = throttledShare
    }

    public func findings(in context: AnalysisContext) -> [Finding] {
        memory(context) + throttling(context)
    }

    private func memory(_ context: AnalysisContext) -> [Finding] {
        var found: [Finding] = []
        let limits = Dictionary(
            (context.signals["memory_limit"] ?? []).compactMap { signal in
                signal.values.last.map { (Self.containerKey(signal.labels), $0) }
            },
            uniquingKeysWith: { $1 }
        )
        for signal in context.signals["memory_working_set"] ?? [] {
            guard let namespace = signal.labels["namespace"], let podName = signal.labels["pod"],
                let end = signal.times.last, end >= context.now - 600
            else { continue }
            let container = signal.labels["container"]
            let pod = context.cluster.pods["\(namespace)/\(podName)"]
            let specLimit = pod?.containers.first { $0.name == container }?.memoryLimit
            guard let limit = specLimit ?? limits[Self.containerKey(signal.labels)], limit > 0 else { continue }
            let object = Subject(kind: "pod", namespace: namespace, name: podName)
            let recent = zip(signal.times, signal.values).filter { $0.0 >= context.now - context.window }.map(\.1)
            let peak = recent.max() ?? 0
            if peak >= 0.9 * limit {
                found.append(
                    Finding(
                        "MemoryNearLimit",
                        .warning,
                        object: object,
                        container: container,
                        node: pod?.node,
                        message:
                            "working set of \(container ?? "the container") in \(podName) reached \(Self.percent(peak / limit)) of its \(Quantity.bytes(limit)) limit",
                        since: signal.lastRise(above: 0.9 * limit)
                    )
                )
            }
            if let trend = Trend(signal, span: 3 * 3600), trend.fit >= 0.8, let left = trend.secondsUntil(limit),
                left > 0, left <= leakHorizon, trend.slope * 3600 >= 0.02 * limit, Self.isSteady(signal),
                Self.largestFall(of: signal) <= 0.1 * limit
            {
                found.append(
                    Finding(
                        "MemoryLeakForecast",
                        .warning,
                        object: object,
                        container: container,
                        node: pod?.node,
                        message:
                            "working set of \(container ?? "the container") in \(podName) grows \(Quantity.bytes(trend.slope * 3600))/h and reaches its \(Quantity.bytes(limit)) limit in about \(durationText(left)) (now \(Self.percent(trend.latest / limit)))",
                        since: signal.times.first { $0 >= end - 3 * 3600 }
                    )
                )
            }
        }
        return found
    }

    private func throttling(_ context: AnalysisContext) -> [Finding] {
        (context.signals["cpu_throttling"] ?? []).compactMap { signal in
            guard let namespace = signal.labels["namespace"], let podName = signal.labels["pod"] else { return nil }
            let recent = zip(signal.times, signal.values).filter { $0.0 >= context.now - 900 }.map(\.1)
            guard !recent.isEmpty else { return nil }
            let share = recent.reduce(0, +) / Double(recent.count)
            guard share >= throttledShare else { return nil }
            return Finding(
                "CPUThrottled",
                .warning,
                object: Subject(kind: "pod", namespace: namespace, name: podName),
                container: signal.labels["container"],
                node: context.cluster.pods["\(namespace)/\(podName)"]?.node,
                message: "\(podName) is CPU-throttled in \(Self.percent(share)) of its CFS periods"
            )
        }
    }

    /// A leak grows all along: the earlier and the later half of the last 3 h both climb, at rates within
    /// 3× of each other. A working set that stepped up with a burst of traffic is no leak.
    static func isSteady(_ signal: Signal) -> Bool {
        guard let end = signal.times.last,
            let early = Trend(signal.truncated(before: end - 1.5 * 3600), span: 1.5 * 3600),
            let late = Trend(signal, span: 1.5 * 3600), early.slope > 0, late.slope > 0
        else { return false }
        return late.slope / early.slope <= 3 && early.slope / late.slope <= 3
    }

    /// The largest fall from an earlier high in the whole recording. A working set that follows a daily
    /// cycle falls by twice its amplitude every day; a leak only climbs (its noise aside). Seen over a
    /// rising stretch of 3 h the two look alike — this is what tells them apart when more is recorded.
    static func largestFall(of signal: Signal) -> Double {
        var high = -Double.infinity
        var fall = 0.0
        for value in signal.values where value.isFinite {
            high = max(high, value)
            fall = max(fall, high - value)
        }
        return fall
    }

    static func containerKey(_ labels: [String: String]) -> String {
        "\(labels["namespace"] ?? "")/\(labels["pod"] ?? "")/\(labels["container"] ?? "")"
    }

    static func percent(_ share: Double) -> String {
        guard share.isFinite else { return "?" }
        return "\(Int(min(max(share * 100, -1e9), 1e9).rounded())) %"
    }
}
