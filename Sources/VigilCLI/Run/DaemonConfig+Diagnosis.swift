import Foundation
import VigilEngine
import VigilKube
import VigilRules

extension DaemonConfig {
    /// The rules diagnosis runs with, read whole (every error of every file listed, `file:line:column`);
    /// nil when no rule file is configured: no diagnosis.
    func rules() throws(Invalid) -> RuleSet? {
        guard !ruleFiles.isEmpty else { return nil }
        do {
            return try RuleSet.load(ruleFiles, findings: Finding.reasons)
        } catch {
            throw Invalid(errors: error.errors)
        }
    }

    /// The cluster diagnosis watches, chosen as `vigil kube` (kubectl) chooses it; nil when nothing
    /// names or offers one (no kubeconfig anywhere, not in a pod): diagnosis then sees metrics only. A
    /// cluster that is named but cannot be connected to is an error.
    func kubeConnection(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(Invalid) -> KubeConnection? {
        guard
            KubeConnectionOptions.clusterConfigured(
                kubeconfig: kubeconfig,
                context: kubeContext,
                environment: environment
            )
        else { return nil }
        do {
            return try KubeConnectionOptions.connection(
                kubeconfig: kubeconfig,
                context: kubeContext,
                namespace: nil,
                environment: environment
            )
        } catch {
            throw Invalid(errors: ["kubernetes: \(error.description)"])
        }
    }
}
