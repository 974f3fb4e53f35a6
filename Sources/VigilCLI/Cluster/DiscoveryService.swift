import ServiceLifecycle
import VigilKube
import VigilScrape

/// Kubernetes service discovery as a service: one ``KubernetesDiscovery`` per `kubernetes_sd_configs`
/// entry, each changed target group relabelled into scrape targets and handed to the ``TargetSet``,
/// until graceful shutdown.
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
                        await discovery.run { groups in
                            await targets.update(
                                job: index,
                                groups: groups.map { group in
                                    (group.source, group.targets.compactMap { sdJob.job.target(from: $0.labels) })
                                }
                            )
                        }
                    }
                }
            }
        }
    }
}
