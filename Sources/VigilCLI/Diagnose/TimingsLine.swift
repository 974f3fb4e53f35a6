import Foundation
import VigilEngine
import VigilHistory

/// `vigil diagnose --timings`: one line on where the time went, for people chasing a slow diagnosis
/// and for `scripts/bench-diagnose.sh`.
enum TimingsLine {
    static func text(_ input: DiagnosisInput, diagnosisSeconds: Duration, renderSeconds: Duration) -> String {
        let series = input.history.series.count
        let points = input.history.series.reduce(0) { $0 + $1.times.count }
        var parts = ["\(series) series", "\(points) points"]
        if let stats = input.timings.history {
            parts.append(
                String(
                    format:
                        "history %.3f s wall (%@, %d requests, %.1f MB; summed over requests: waiting %.3f s, reading %.3f s; stitching %.3f s)",
                    input.timings.historySeconds,
                    stats.api.rawValue,
                    stats.requests,
                    Double(stats.bytes) / 1_048_576,
                    stats.waitSeconds,
                    stats.parseSeconds,
                    stats.assembleSeconds
                )
            )
            parts.append(String(format: "cluster %.3f s", input.timings.clusterSeconds))
        }
        parts.append(String(format: "diagnosis %.3f s", PrometheusHistoryReader.seconds(diagnosisSeconds)))
        parts.append(String(format: "report %.3f s", PrometheusHistoryReader.seconds(renderSeconds)))
        return "timings: " + parts.joined(separator: ", ")
    }
}
