import CoreMetrics
import Logging
import ServiceLifecycle
import VigilKube

/// Asks the API server, at start and every ``interval``, which of the rights a part of Vigil needs this
/// replica lacks (SelfSubjectAccessReviews, as `kubectl auth can-i` asks), so that a Role short of a verb
/// is found at start rather than at the moment the right is used. Each change in what is missing is
/// logged, every right as `kubectl auth can-i` takes it with what it is for, and so is each change in
/// whether the server could be asked at all; the count is a gauge, there only while the server answers
/// (before its first answer, or while it refuses, a count would be the last one known — 0, "nothing
/// missing", when it is unknown). It only tells: it changes nothing else.
struct RightsCheck: Service {
    /// What needs the rights, as the log lines name it: "the remediation Lease", "remediation".
    var subject: String
    /// What a replica without them cannot do, after the log line's colon.
    var consequence: String
    /// Where and how to grant them, before the `kubectl auth can-i` line that checks the first.
    var grant: String
    /// The gauge counting the missing rights (swift-metrics' label: the metric's name).
    var label: String
    var dimensions: [(String, String)] = []
    var metadata: Logger.Metadata = [:]
    var logger: Logger
    /// The needed rights the server says this replica lacks.
    var missing: @Sendable () async throws(KubeError) -> [NeededRight]
    var factory: any MetricsFactory = MetricsSystem.factory

    /// Rights are granted and revoked while replicas run; a check every few minutes costs a few small
    /// requests.
    static let interval: Duration = .seconds(300)

    /// As a service of its own: checks until the graceful shutdown.
    func run() async throws { await cancelWhenGracefulShutdown { await watch() } }

    /// Checks until cancelled.
    func watch() async {
        var state = State()
        while !Task.isCancelled {
            await check(&state)
            try? await Task.sleep(for: Self.interval)
        }
    }

    /// What the checks so far have told.
    struct State {
        /// The count of missing rights, while the server answers.
        var missingCount: Gauge?
        /// The rights last logged as missing (nil before the first answer).
        var told: [NeededRight]?
        /// The last check could not ask the server.
        var unasked = false
    }

    /// One check: asks, then counts and logs what changed.
    func check(_ state: inout State) async {
        do {
            let missing = try await missing()
            if state.missingCount == nil {
                state.missingCount = Gauge(label: label, dimensions: dimensions, factory: factory)
            }
            state.missingCount?.record(missing.count)
            if missing != state.told || state.unasked {
                if let first = missing.first {
                    logger.error(
                        "this replica lacks rights \(subject) needs: \(consequence)",
                        metadata: metadata.merging(
                            [
                                "missing": "\(missing.map(\.description).joined(separator: "; "))",
                                "fix":
                                    "\(grant); check each as listed with kubectl auth can-i, e.g. kubectl auth can-i \(first.right) --as system:serviceaccount:NAMESPACE:ACCOUNT",
                            ],
                            uniquingKeysWith: { $1 }
                        )
                    )
                } else if state.told != nil || state.unasked {
                    logger.notice("this replica has every right \(subject) needs", metadata: metadata)
                }
                state.told = missing
            }
            state.unasked = false
        } catch {
            // A request cut short by the shutdown is no trouble to report.
            if !state.unasked, !Task.isCancelled {
                logger.warning(
                    "cannot ask the API server which rights this replica has for \(subject)",
                    metadata: metadata.merging(["error": "\(error)"], uniquingKeysWith: { $1 })
                )
            }
            // Unknown now: the last count would stand for it (an alert held off by a stale 0, or kept on by
            // a stale count after the Role was granted), so the series goes until the server answers.
            state.missingCount?.destroy()
            state.missingCount = nil
            state.unasked = true
        }
    }
}
