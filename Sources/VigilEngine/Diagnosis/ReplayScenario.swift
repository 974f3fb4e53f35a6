import Foundation
import VigilKube

/// A recorded scenario (`sample-metrics/<scenario>/`): `metrics.om` (OpenMetrics, a timestamp on every
/// sample), `events.json` (a `v1 List` of events as `kubectl get events -o json` prints it) and
/// `cluster.json` (a `v1 List` of objects as `kubectl get … -o json` prints it, their state at the end).
/// The end of the recording is "now".
public struct ReplayScenario: Sendable {
    public var history: MetricHistory
    public var cluster: ClusterModel
    /// Seconds since the epoch: the last sample, or the last event when there are no samples.
    public var now: Double

    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads the scenario in `directory`; each file is optional, but at least one must be there.
    /// `keep` chooses the series worth keeping (see ``DiagnosisEngine/selects(_:)``).
    public static func load(
        _ directory: String,
        eventWindow: Double = 6 * 3600,
        keeping keep: ([String: String]) -> Bool = { _ in true }
    ) throws(LoadError) -> ReplayScenario {
        func read(_ name: String) -> Data? { FileManager.default.contents(atPath: "\(directory)/\(name)") }
        let metrics = read("metrics.om")
        let events = read("events.json")
        let objects = read("cluster.json")
        guard metrics != nil || events != nil || objects != nil else {
            throw LoadError(description: "\(directory): no metrics.om, events.json or cluster.json to replay")
        }
        var history = MetricHistory()
        if let metrics {
            do {
                history = try MetricHistory(openMetrics: Array(metrics), file: "\(directory)/metrics.om", keeping: keep)
            } catch {
                throw LoadError(description: error.description)
            }
        }
        let eventItems = try items(events, file: "\(directory)/events.json")
        let objectItems = try items(objects, file: "\(directory)/cluster.json")
        let lastEvent = eventItems.compactMap { item -> Double? in
            let stamp =
                (item["lastTimestamp"] ?? item["eventTime"]
                    ?? (item["metadata"] as? [String: Any])?["creationTimestamp"])
            return (stamp as? String).flatMap(KubeTime.parse)?.timeIntervalSince1970
        }.max()
        let now = history.end.isFinite ? history.end : lastEvent ?? Date().timeIntervalSince1970
        var cluster = ClusterModel(eventWindow: eventWindow)
        let date = Date(timeIntervalSince1970: now)
        cluster.load(items: objectItems, now: date)
        cluster.load(events: eventItems, now: date)
        return ReplayScenario(history: history, cluster: cluster, now: now)
    }

    /// The `items` of a `v1 List` (or of any `*List`).
    private static func items(_ data: Data?, file: String) throws(LoadError) -> [[String: Any]] {
        guard let data else { return [] }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw LoadError(description: "\(file): not valid JSON: \(error.localizedDescription)")
        }
        guard let list = object as? [String: Any], let items = list["items"] as? [[String: Any]] else {
            throw LoadError(description: "\(file): expected a List with items, as kubectl get -o json prints it")
        }
        return items
    }
}
