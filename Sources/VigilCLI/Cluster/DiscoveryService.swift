import ServiceLifecycle
import VigilKube
import VigilScrape

/// Kubernetes service discovery as a service: one ``KubernetesDiscovery`` per `kubernetes_sd_configs`
/// entry, each change relabelled into scrape targets and handed to the ``TargetSet``, until graceful
/// shutdown.
struct DiscoveryService: Service {
    let client: KubeClient
    let jobs: [KubernetesSDJob]
    let targets: TargetSet

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for (index, sdJob) in jobs.enumerated() {
                    let discovery = KubernetesDiscovery(client: client, configuration: sdJob.configuration)
                    group.addTask {
                        await discovery.run { found in
                            await targets.update(
                                job: index,
                                discovered: found.compactMap { sdJob.job.target(from: $0.labels) }
                            )
                        }
                    }
                }
            }
        }
    }
}
