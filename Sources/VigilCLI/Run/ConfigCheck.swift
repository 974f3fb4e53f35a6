import Foundation
import VigilEngine
import VigilKube
import VigilRules
import VigilScrape
import VigilServer

/// `vigil run --check-config`: what a start with a valid configuration would run, one line a part, for a
/// person (or a pipeline) to read before a rollout, as `promtool check config` is read. An invalid
/// configuration never gets here: it is refused with every error, as a start refuses it.
struct ConfigCheck {
    var source: RunCommand.ConfigSource
    var config: DaemonConfig
    var rules: RuleSet?
    var connection: KubeConnection?
    var security: WebSecurity
    var shard: Shard

    var lines: [String] {
        ["\(source.file ?? "the flags"): valid, nothing started"]
            + [
                listening, scraping,
                "detector: ensemble, daily profile \(config.seasonal ? "on" : "off (--no-seasonal)")",
                stateDirectory, diagnosing, cluster, remediation,
            ].map { "  " + $0 }
    }

    private var listening: String {
        var protections: [String] = []
        if case .success(let web)? = security.webConfig?.current() {
            if let tls = web.tls {
                protections.append(tls.requiresClientCertificate ? "TLS, client certificates required" : "TLS")
            }
            if !web.users.isEmpty { protections.append("basic auth (\(Self.count(web.users.count, "user")))") }
        }
        if security.bearerToken != nil { protections.append("bearer token") }
        let mutating = security.enabled.sorted().map(\.flag)
        let host = config.listenHost.contains(":") ? "[\(config.listenHost)]" : config.listenHost
        return "listen: \(host):\(config.listenPort), "
            + (protections.isEmpty ? "plain HTTP, no authentication" : protections.joined(separator: ", "))
            + (mutating.isEmpty ? "" : "; with \(mutating.joined(separator: ", "))")
    }

    private var scraping: String {
        let jobs = Set(config.targets.map(\.job)).count
        var parts = ["\(Self.count(config.targets.count, "static target")) in \(Self.count(jobs, "job"))"]
        if !config.discovery.isEmpty { parts.append(Self.count(config.discovery.count, "kubernetes_sd job")) }
        if config.cluster.monitors { parts.append("PodMonitors and ServiceMonitors") }
        return "scrape: " + parts.joined(separator: ", ") + (shard.count > 1 ? "; shard \(shard)" : "")
    }

    private var stateDirectory: String {
        guard let directory = config.stateDirectory else {
            return "state_dir: none: learnt state lives in memory only"
        }
        return "state_dir: \(directory)"
            + (FileManager.default.fileExists(atPath: directory) ? "" : " (made at start)")
    }

    private var diagnosing: String {
        guard let rules else { return "rules: none: diagnosis is off" }
        return
            "rules: \(Self.count(rules.signals.count, "signal")), \(Self.count(rules.playbooks.count, "playbook")) from "
            + Self.count(rules.files.count, "file")
    }

    private var cluster: String {
        guard let connection else { return "cluster: none: diagnosis sees metrics only" }
        return "cluster: \(connection.server)"
            + (connection.context.map { " (context \($0), namespace \(connection.namespace))" }
                ?? " (namespace \(connection.namespace))")
    }

    private var remediation: String {
        guard config.remediation.allowApply else {
            return "remediation: proposals and dry runs only"
                + (config.cluster.leaderElection == nil ? "" : " (cluster.leader_election holds no Lease without it)")
        }
        let lease = connection.flatMap { config.cluster.election(allowApply: true, namespace: $0.namespace) }
        return "remediation: applies under remediation:'s guards"
            + (lease.map { " while it holds the Lease \($0.namespace)/\($0.leaseName)" } ?? "")
            + "; \(namespaces)"
    }

    /// Where remediation may change the cluster, and how many rights it asks for at start
    /// (``RemediationRights``): with no list they are asked cluster-wide, which per-namespace Roles never
    /// grant — worth seeing before a rollout.
    private var namespaces: String {
        let policy = config.remediation
        let asked = RemediationRights.needed(by: rules?.playbooks ?? [], policy: policy)
        let needed = asked.count
        let rights = Self.count(needed, "right")
        guard policy.allowNamespaces.isEmpty else {
            let allowed = policy.permittedNamespaces
            return
                "in \(allowed.isEmpty ? "no namespace" : allowed.joined(separator: ", ")) (asks for "
                + (needed == 0 ? "no right" : rights) + " at start)"
        }
        let denied = policy.denyNamespaces.isEmpty ? "" : " but \(policy.denyNamespaces.joined(separator: ", "))"
        // Nothing asked is nothing cluster-wide: no playbook proposes a change where applying may happen.
        guard needed > 0 else {
            return "in every namespace\(denied) (asks for no right at start: no action is proposed)"
        }
        // Playbooks that only explain, made to propose by some namespaces' autonomy, ask there alone.
        guard asked.contains(where: { $0.right.namespace.isEmpty }) else {
            let named = Set(asked.map(\.right.namespace)).sorted().joined(separator: ", ")
            return "in every namespace\(denied) (asks for \(rights) at start, in \(named): remediation.autonomy)"
        }
        return
            "in every namespace\(denied) (asks for \(rights) at start, cluster-wide: no remediation.namespaces.allow)"
    }

    private static func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }
}
