import ArgumentParser
import Foundation
import VigilKube

/// Which cluster a diagnosis reads: kubectl's `--kubeconfig` and `--context`, with kubectl's defaults;
/// none found, the diagnosis reads metrics only.
struct ClusterOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster; none: metrics only).",
            valueName: "file"
        )
    )
    var kubeconfig: String?

    @Option(help: ArgumentHelp("The kubeconfig context (default: its current-context).", valueName: "name"))
    var context: String?

    /// Whether the command line names a cluster (a replay reaches one only then).
    var named: Bool { kubeconfig != nil || context != nil }

    /// Whether a cluster was named or can be found where kubectl looks.
    var wanted: Bool {
        KubeConnectionOptions.clusterConfigured(
            kubeconfig: kubeconfig,
            context: context,
            environment: ProcessInfo.processInfo.environment
        )
    }

    /// The cluster these flags name, as kubectl would choose it, its default namespace `namespace` if given.
    func connection(namespace: String? = nil) throws(KubeconfigError) -> KubeConnection {
        try KubeConnectionOptions.connection(
            kubeconfig: kubeconfig,
            context: context,
            namespace: namespace,
            environment: ProcessInfo.processInfo.environment
        )
    }
}
