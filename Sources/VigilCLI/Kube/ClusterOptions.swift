import ArgumentParser
import Foundation
import VigilKube

/// Which cluster: kubectl's `--kubeconfig` and `--context`, with kubectl's defaults. What a command does
/// when none is found (`vigil diagnose` reads metrics only, `vigil kube` cannot act) its help says.
struct ClusterOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster).",
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
