import ArgumentParser
import Foundation
import VigilEngine
import VigilKube

/// What to look at: the cluster (kubectl's flags, but no namespace means every namespace) and the scope — a
/// namespace, one workload, or the workloads whose pods a label selector picks.
struct ScopeOptions: ParsableArguments {
    @OptionGroup var cluster: ClusterOptions

    @Option(
        name: [.short, .long],
        help: ArgumentHelp("Only this namespace's series, objects and events (default: every one).", valueName: "ns")
    )
    var namespace: String?

    @Option(
        help: ArgumentHelp(
            "Only this workload's incidents: KIND/NAME (deployment/web, sts/db).",
            valueName: "kind/name"
        )
    )
    var workload: String?

    @Option(
        name: [.customShort("l"), .customLong("selector")],
        help: ArgumentHelp("Only the workloads of pods matching this label selector (app=web).", valueName: "selector")
    )
    var selector: String?

    /// The cluster the flags name, scoped to `--namespace` if given.
    func connection() throws(KubeconfigError) -> KubeConnection {
        try cluster.connection(namespace: namespace)
    }

    /// `--workload` as the subject incidents name, its kind spelled as kubectl accepts it.
    func workloadSubject(namespace: String) throws(ValidationError) -> Subject? {
        guard let workload else { return nil }
        let parts = workload.split(separator: "/", maxSplits: 1).map(String.init)
        let kinds = [
            "deployment": "deployment", "deployments": "deployment", "deploy": "deployment",
            "statefulset": "statefulset", "statefulsets": "statefulset", "sts": "statefulset",
            "daemonset": "daemonset", "daemonsets": "daemonset", "ds": "daemonset", "job": "job", "jobs": "job",
            "cronjob": "cronjob", "cronjobs": "cronjob", "cj": "cronjob", "pod": "pod", "pods": "pod", "po": "pod",
        ]
        guard parts.count == 2, !parts[1].isEmpty, let kind = kinds[parts[0].lowercased()] else {
            throw ValidationError(
                "--workload: expected KIND/NAME (deployment/web, statefulset/db), got \"\(workload)\""
            )
        }
        return Subject(kind: kind, namespace: namespace, name: parts[1])
    }
}
