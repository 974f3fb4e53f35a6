import Foundation
import VigilEngine
import VigilHTTP
import VigilHistory
import VigilKube
import VigilRules

/// What a diagnosis runs on: the history, the cluster's state, "now", and where they came from.
struct DiagnosisInput {
    var history: MetricHistory
    var cluster: ClusterModel
    var now: Double
    /// The start of the history (nil without samples).
    var start: Double?
    /// For the report's header.
    var source: String
    /// Where reading took its time (`--timings`).
    var timings = Timings()

    /// Seconds spent per stage of a live read.
    struct Timings {
        var history: HistoryReadStats?
        var historySeconds = 0.0
        var clusterSeconds = 0.0
    }

    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    /// A recorded scenario, the end of its recording being "now".
    static func replay(_ directory: String, engine: DiagnosisEngine) throws(ReadError) -> DiagnosisInput {
        do {
            let scenario = try ReplayScenario.load(directory, keeping: engine.selects)
            let start = scenario.history.start.isFinite ? scenario.history.start : nil
            return DiagnosisInput(
                history: scenario.history,
                cluster: scenario.cluster,
                now: scenario.now,
                start: start,
                source: "replay \(directory)"
            )
        } catch {
            throw ReadError(description: error.description)
        }
    }

    /// Prometheus's history over `[start, end]` and, when `kube` is given, the cluster as it is listed
    /// now; both read at once. `namespace` scopes the queries and the lists (empty: everything).
    static func live(
        prometheus: PrometheusSource,
        selectors: [String],
        start: Double,
        end: Double,
        step: Double,
        namespace: String,
        kube: KubeClient?,
        window: Double,
        transport: any HTTPTransport,
        progress: ProgressLine
    ) async throws(ReadError) -> DiagnosisInput {
        let scope = namespace.isEmpty ? [] : [(label: "namespace", value: namespace)]
        let queried = selectors.map { selector in
            (try? SeriesSelector(selector)).map { $0.promQL(adding: scope) } ?? selector
        }
        let plan = RangeQueryPlan(selectors: Array(Set(queried)).sorted(), start: start, end: end, step: step)
        let reader = PrometheusHistoryReader(source: prometheus, transport: transport)
        let clock = ContinuousClock()
        let started = clock.now
        func readHistory() async -> Result<(MetricHistory, HistoryReadStats, Duration), HistoryReadError> {
            do {
                let (history, stats) = try await reader.readMeasured(plan) { progress.update($0) }
                return .success((history, stats, clock.now - started))
            } catch {
                return .failure(error)
            }
        }
        async let history = readHistory()
        var timings = Timings()
        var cluster = ClusterModel(eventWindow: end - start + window)
        var clusterName = "no cluster"
        if let kube {
            do {
                cluster = try await ClusterSnapshot(client: kube, namespace: namespace).read(
                    now: end,
                    eventWindow: end - start + window
                )
                clusterName = "cluster \(kube.connection.context ?? kube.connection.server)"
                timings.clusterSeconds = PrometheusHistoryReader.seconds(clock.now - started)
            } catch {
                _ = await history
                throw ReadError(description: "reading the cluster: \(error.description)")
            }
        }
        let read: MetricHistory
        switch await history {
        case .success(let (value, stats, elapsed)):
            read = value
            timings.history = stats
            timings.historySeconds = PrometheusHistoryReader.seconds(elapsed)
        case .failure(let error): throw ReadError(description: error.description)
        }
        progress.finish()
        let scopeText = namespace.isEmpty ? "" : " · namespace \(namespace)"
        let stepText = plan.step == step ? "" : " · step raised to \(DiagnosisEngine.formatted(plan.step))s"
        return DiagnosisInput(
            history: read,
            cluster: cluster,
            now: end,
            start: start,
            source: "prometheus \(prometheus.displayURL) · \(clusterName)\(scopeText)\(stepText)",
            timings: timings
        )
    }
}
