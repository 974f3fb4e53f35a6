import VigilKube

/// Volume claims: Pending (not bound), and filling — from the rule pack's `volume_usage` signal (used
/// over capacity) — when nearly full or forecast to fill within the horizon.
public struct VolumeAnalyzer: CauseAnalyzer {
    public var fillHorizon: Double

    public init(fillHorizon: Double = 24 * 3600) { self.fillHorizon = fillHorizon }

    public func findings(in context: AnalysisContext) -> [Finding] {
        var found: [Finding] = context.cluster.volumeClaims.values.sorted {
            ($0.namespace, $0.name) < ($1.namespace, $1.name)
        }
        .filter { $0.phase == "Pending" }
        .map {
            Finding(
                "PVCPending",
                .warning,
                object: Subject(kind: "persistentvolumeclaim", namespace: $0.namespace, name: $0.name),
                message: "persistentvolumeclaim/\($0.name) is Pending (not bound to a volume)"
            )
        }
        for signal in context.signals["volume_usage"] ?? [] {
            guard let namespace = signal.labels["namespace"], let claim = signal.labels["persistentvolumeclaim"],
                let end = signal.times.last, end >= context.now - 600, let now = signal.values.last
            else { continue }
            let trend = Trend(signal, span: 3 * 3600)
            let left = trend.flatMap { $0.fit >= 0.8 ? $0.secondsUntil(1) : nil }
            guard now >= 0.95 || (left.map { $0 <= fillHorizon } ?? false) else { continue }
            let forecast = left.map { ", full in about \(durationText($0)) at the current rate" } ?? ""
            found.append(
                Finding(
                    "VolumeFilling",
                    now >= 0.95 ? .critical : .warning,
                    object: Subject(kind: "persistentvolumeclaim", namespace: namespace, name: claim),
                    message: "persistentvolumeclaim/\(claim) is \(SaturationAnalyzer.percent(now)) full\(forecast)",
                    since: signal.lastRise(above: 0.8 * now)
                )
            )
        }
        return found
    }
}
