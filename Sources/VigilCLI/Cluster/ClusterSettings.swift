import Foundation
import VigilKube
import VigilScrape
import VigilYAML
import Yams

/// `cluster:` — running as one of several replicas:
///
/// ```yaml
/// cluster:
///   shards: 3                 # or --shards; the shard is --shard, else the ordinal of $POD_NAME/$HOSTNAME
///   monitors: true            # also scrape what PodMonitors and ServiceMonitors select
///   leader_election:          # with --allow-apply, only the Lease's holder applies fixes; every replica
///                             # proposes (no leader_election: the Lease vigil-remediation in Vigil's own
///                             # namespace, whatever the replica count); without it, no election
///     namespace: monitoring   # default: default, not the pod's own, so that every machine reading this
///                             # file (a laptop's vigil diagnose --config) finds the same Lease
///     lease_name: vigil-remediation
///     lease_duration: 15s
///     renew_deadline: 10s
///     retry_period: 2s
/// ```
struct ClusterSettings: Equatable {
    /// How many replicas split the targets (1: this one scrapes everything).
    var shards = 1
    /// This replica's shard; nil: from the pod name's ordinal when `shards` > 1.
    var shardIndex: Int?
    /// Scrape what the prometheus-operator's `PodMonitor`s and `ServiceMonitor`s select (listed at start).
    var monitors = false
    var leaderElection: LeaderElectionSettings?

    struct LeaderElectionSettings: Equatable {
        var namespace = "default"
        var leaseName = "vigil-remediation"
        /// Nil: `$POD_NAME`, else `$HOSTNAME`, else the host name and the process id (``identity(environment:host:pid:)``).
        var identity: String?
        var leaseDuration = 15.0
        var renewDeadline = 10.0
        var retryPeriod = 2.0
    }

    static func read(_ node: Node, _ reader: ConfigReader) -> ClusterSettings {
        var settings = ClusterSettings()
        let fields = reader.fields(node, "cluster", allowed: ["shard", "shards", "monitors", "leader_election"])
        if let value = fields["monitors"], let flag = reader.bool(value, "cluster.monitors") {
            settings.monitors = flag
        }
        if let value = fields["shards"], let count = reader.count(value, "cluster.shards") {
            if count >= 1 {
                settings.shards = count
            } else {
                reader.fail(value, "cluster.shards", "expected at least 1")
            }
        }
        if let value = fields["shard"], let index = reader.count(value, "cluster.shard") { settings.shardIndex = index }
        if let value = fields["leader_election"] {
            let path = "cluster.leader_election"
            let election = reader.fields(
                value,
                path,
                allowed: ["namespace", "lease_name", "identity", "lease_duration", "renew_deadline", "retry_period"]
            )
            var leader = LeaderElectionSettings()
            if let text = election["namespace"].flatMap({ reader.string($0, path + ".namespace") }) {
                leader.namespace = text
            }
            if let text = election["lease_name"].flatMap({ reader.string($0, path + ".lease_name") }) {
                leader.leaseName = text
            }
            leader.identity = election["identity"].flatMap { reader.string($0, path + ".identity") }
            if let node = election["lease_duration"], let seconds = reader.seconds(node, path + ".lease_duration") {
                if seconds.rounded(.up) == seconds {
                    leader.leaseDuration = seconds
                } else {
                    reader.fail(
                        node,
                        path + ".lease_duration",
                        LeaderElectionConfiguration.fractionalLeaseDuration(seconds)
                    )
                }
            }
            if let seconds = election["renew_deadline"].flatMap({ reader.seconds($0, path + ".renew_deadline") }) {
                leader.renewDeadline = seconds
            }
            if let seconds = election["retry_period"].flatMap({ reader.seconds($0, path + ".retry_period") }) {
                leader.retryPeriod = seconds
            }
            if let problem = leader.configuration(identity: "check").problem {
                reader.fail(value, path, problem)
            }
            settings.leaderElection = leader
        }
        return settings
    }

    /// This replica's shard: `shardIndex` if set, else the StatefulSet ordinal of the pod name; an error
    /// naming what is missing or out of range otherwise.
    func shard(environment: [String: String]) -> Result<Shard, DaemonConfig.Invalid> {
        guard shards > 1 else {
            // One shard is the whole; any other index given alone is a forgotten --shards, not a choice.
            if let shardIndex, shardIndex != 0 {
                return .failure(
                    DaemonConfig.Invalid(errors: [
                        "--shard \(shardIndex): expected 0 with one shard; give --shards (or cluster.shards) too"
                    ])
                )
            }
            return .success(.whole)
        }
        let podName = Self.podName(environment)
        guard let index = shardIndex ?? podName.flatMap(Shard.ordinal(ofPodName:)) else {
            return .failure(
                DaemonConfig.Invalid(errors: [
                    "--shards \(shards): give --shard N, or run with $POD_NAME or $HOSTNAME ending in -N (a StatefulSet pod)"
                        + (podName.map { " (got \"\($0)\")" } ?? "")
                ])
            )
        }
        guard let shard = Shard(index: index, count: shards) else {
            return .failure(
                DaemonConfig.Invalid(errors: ["--shard \(index): expected 0 to \(shards - 1) with --shards \(shards)"])
            )
        }
        return .success(shard)
    }

    /// The election a daemon takes part in: with `--allow-apply`, `leader_election` as configured, else
    /// the default Lease in the daemon's own namespace (the pod's, or the kubeconfig context's). One daemon
    /// needs no leader, but everything that may change the cluster must share the Lease's claims, rate
    /// limit and cooldowns: a `vigil diagnose --apply` (which looks for a Lease named `vigil-remediation`)
    /// or a second daemon would otherwise change what this one just changed. Without `--allow-apply`,
    /// none, whatever is configured: a replica that may not apply would hold the Lease for nothing, and
    /// `vigil diagnose --apply` would refuse while it did, pointing to approvals it refuses. Nil: no election.
    func election(allowApply: Bool, namespace: String) -> LeaderElectionSettings? {
        allowApply ? leaderElection ?? LeaderElectionSettings(namespace: namespace) : nil
    }

    /// This replica's name on the Lease where `leader_election.identity` gives none: the pod's name, else
    /// the host's with the process id (client-go adds a random suffix): two daemons on one host without a
    /// pod name, shards under systemd, would otherwise each take the other's renewals for their own.
    static func identity(environment: [String: String], host: String, pid: Int32) -> String {
        podName(environment) ?? "\(host)_\(pid)"
    }

    /// The pod's name: `$POD_NAME` (the downward API), else `$HOSTNAME` (a StatefulSet pod's host name).
    static func podName(_ environment: [String: String]) -> String? {
        [environment["POD_NAME"], environment["HOSTNAME"]].compactMap { $0 }.first { !$0.isEmpty }
    }
}

extension ClusterSettings.LeaderElectionSettings {
    func configuration(identity fallback: String) -> LeaderElectionConfiguration {
        LeaderElectionConfiguration(
            namespace: namespace,
            name: leaseName,
            identity: identity ?? fallback,
            leaseDuration: .milliseconds(Int64(leaseDuration * 1000)),
            renewDeadline: .milliseconds(Int64(renewDeadline * 1000)),
            retryPeriod: .milliseconds(Int64(retryPeriod * 1000))
        )
    }
}
