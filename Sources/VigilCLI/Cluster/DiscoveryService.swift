import Foundation
import Logging
import ServiceLifecycle
import VigilKube
import VigilScrape

/// Kubernetes service discovery as a service: one ``KubernetesDiscovery`` per `kubernetes_sd_configs`
/// entry (and, with `cluster.monitors`, per endpoint of each `PodMonitor` and `ServiceMonitor` listed at
/// start), each changed target group relabelled into scrape targets and handed to the ``TargetSet``,
/// until graceful shutdown.
struct DiscoveryService: Service {
    let client: KubeClient
    let jobs: [KubernetesSDJob]
    let targets: TargetSet
    /// Whether to read the prometheus-operator's monitors too.
    var monitors = false
    let logger: Logger
    /// The refusals logged, so each is logged once, not at every change of its target's group.
    private let refusals = LoggedRefusals()

    func run() async throws {
        let all = jobs + (monitors ? await monitorJobs() : [])
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for (index, sdJob) in all.enumerated() {
                    let discovery = KubernetesDiscovery(client: client, configuration: sdJob.configuration)
                    group.addTask {
                        await discovery.run { groups in
                            await targets.update(
                                job: index,
                                groups: groups.map { group in
                                    (group.source, group.targets.compactMap { populate($0.labels, sdJob.job) })
                                }
                            )
                        }
                    }
                }
            }
        }
    }

    /// The target relabelling makes of discovered labels; nil where it drops them, or where Prometheus
    /// would refuse the target (it logs "Creating target failed" too). A group is rebuilt at every change
    /// of a pod's status or an endpoint's readiness: a refusal is logged when it is new, not each time.
    private func populate(_ labels: [String: String], _ job: DiscoveryJob) -> ScrapeTarget? {
        do {
            return try job.populate(labels)
        } catch {
            let address = labels["__address__"] ?? ""
            if refusals.isNew(job: job.template.job, address: address, error.description) {
                logger.warning(
                    "creating target failed",
                    metadata: ["job": "\(job.template.job)", "address": "\(address)", "error": "\(error)"]
                )
            }
            return nil
        }
    }

    /// The monitors' jobs, listed once; a missing CRD (404) is one log line, not an error.
    func monitorJobs() async -> [KubernetesSDJob] {
        var found: [KubernetesSDJob] = []
        for kind in [MonitorJobs.Kind.podMonitor, .serviceMonitor] {
            do {
                let items = try await client.list(kind.path, query: []).items
                for item in items {
                    let translated = MonitorJobs(kind, item, template: ScrapeTarget(url: ""))
                    for problem in translated.unsupported { logger.warning("\(problem)") }
                    found += translated.jobs
                }
                logger.info("read \(kind.rawValue)s", metadata: ["count": "\(items.count)"])
            } catch  where error.code == 404 {
                logger.info("no \(kind.rawValue) resource in the cluster (the CRD is not installed): skipped")
            } catch {
                logger.warning("could not list \(kind.rawValue)s: skipped", metadata: ["error": "\(error)"])
            }
        }
        return found
    }
}

/// The target refusals already logged, by job and address: bounded, forgotten whole once it holds
/// 10,000 (a refusal then logs once more).
private final class LoggedRefusals: @unchecked Sendable {
    private let lock = NSLock()
    private var logged: [String: String] = [:]

    /// Whether `message` is new for the job's target at `address` (and remembers it).
    func isNew(job: String, address: String, _ message: String) -> Bool {
        lock.withLock {
            let key = job + "\u{0}" + address
            guard logged[key] != message else { return false }
            if logged.count >= 10_000 { logged.removeAll() }
            logged[key] = message
            return true
        }
    }
}
