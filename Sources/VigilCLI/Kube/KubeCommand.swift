import ArgumentParser
import Foundation
import VigilHTTP
import VigilKube

/// `vigil kube`: the cluster as Vigil sees it, and the actions it can take, for people.
struct KubeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube",
        abstract: "Act on a Kubernetes cluster exactly as kubectl would.",
        subcommands: [KubeEventsCommand.self, KubeActCommand.self]
    )
}

/// Where the cluster is, and the namespace to act in: kubectl's flags, with kubectl's defaults.
struct KubeConnectionOptions: ParsableArguments {
    @OptionGroup var cluster: ClusterOptions

    @Option(
        name: [.short, .long],
        help: ArgumentHelp("Namespace (default: the context's, else default).", valueName: "ns")
    )
    var namespace: String?

    /// The connection, or the kubeconfig's errors on standard error and exit status 1.
    func connectionOrExit() throws -> KubeConnection {
        do {
            return try connection()
        } catch {
            Console.error(error.description)
            throw ExitCode(1)
        }
    }

    /// The connection these flags name. Without a kubeconfig anywhere, a pod's own service account.
    func connection() throws(KubeconfigError) -> KubeConnection {
        try cluster.connection(namespace: namespace)
    }

    /// kubectl's choice of cluster: `kubeconfig` if given, else $KUBECONFIG's files, else
    /// ~/.kube/config; when none of these exists (and none was named) inside a pod, its service account.
    static func connection(
        kubeconfig: String?,
        context: String?,
        namespace: String?,
        environment: [String: String]
    ) throws(KubeconfigError) -> KubeConnection {
        let paths = kubeconfig.map { [$0] } ?? Kubeconfig.defaultPaths(environment: environment)
        let exists = paths.contains { FileManager.default.fileExists(atPath: $0) }
        guard exists || kubeconfig != nil || environment["KUBERNETES_SERVICE_HOST"] == nil else {
            var connection = try KubeConnection.inCluster(environment: environment)
            if let namespace { connection.namespace = namespace }
            return connection
        }
        return try Kubeconfig.load(paths: paths, context: context, namespace: namespace)
    }

    /// Whether kubectl's choice would find any cluster at all: a kubeconfig named, one at a default
    /// path, or a pod's service account. `vigil run` watches a cluster only when there is one to find.
    static func clusterConfigured(kubeconfig: String?, context: String?, environment: [String: String]) -> Bool {
        kubeconfig != nil || context != nil || environment["KUBERNETES_SERVICE_HOST"] != nil
            || Kubeconfig.defaultPaths(environment: environment).contains { FileManager.default.fileExists(atPath: $0) }
    }
}
