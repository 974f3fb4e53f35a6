import ArgumentParser
import Foundation
import Testing
import VigilEngine
import VigilKube
import VigilRules
import VigilScrape
import Yams

@testable import VigilCLI

/// The manifests in deploy/ say what Vigil will accept, and grant no more than it needs.
struct DeployManifestTests {
    func documents(_ name: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/\(name)"), encoding: .utf8)
        return try Yams.load_all(yaml: text).compactMap { $0 as? [String: Any] }
    }

    func containers(of deployment: [String: Any]) -> [[String: Any]] {
        let spec = deployment["spec"] as? [String: Any]
        let template = spec?["template"] as? [String: Any]
        return (template?["spec"] as? [String: Any])?["containers"] as? [[String: Any]] ?? []
    }

    /// The alerts on Vigil's own health are rules Prometheus loads, and each fires on the trouble it names
    /// and not on a healthy Vigil (deploy/alerts.test.yaml, run by Debian's promtool).
    @Test func theAlertsOnVigilsHealthLoadAndPassTheirUnitTests() async throws {
        let promtool = URL(fileURLWithPath: "/usr/bin/promtool")
        let deploy = repositoryRoot.appendingPathComponent("deploy")
        let checked = try await ChildProcess.run(
            promtool,
            ["check", "rules", deploy.appendingPathComponent("alerts.yaml").path]
        )
        #expect(checked.status == 0 && checked.output.contains("SUCCESS: 10 rules found"), "\(checked.output)")
        let tested = try await ChildProcess.run(
            promtool,
            ["test", "rules", deploy.appendingPathComponent("alerts.test.yaml").path]
        )
        #expect(tested.status == 0 && tested.output.contains("SUCCESS"), "\(tested.output)")
        // Every alert has its test.
        let rules = try documents("alerts.yaml").first?["groups"] as? [[String: Any]] ?? []
        let alerts = Set(
            rules.flatMap { ($0["rules"] as? [[String: Any]] ?? []).compactMap { $0["alert"] as? String } }
        )
        let tests = try String(contentsOf: deploy.appendingPathComponent("alerts.test.yaml"), encoding: .utf8)
        #expect(alerts.count == 10 && alerts.allSatisfy { tests.contains("alertname: \($0)\n") }, "\(alerts)")
    }

    @Test func theStandaloneConfigMapIsAValidVigilConfiguration() throws {
        let configMap = try #require(try documents("deployment.yaml").first { $0["kind"] as? String == "ConfigMap" })
        let yaml = try #require((configMap["data"] as? [String: String])?["vigil.yaml"])
        let config = try DaemonConfig.parse(yaml, file: "deployment.yaml#vigil.yaml")
        #expect(config.targets.map(\.job) == ["checkout", "kube-state-metrics"])
        #expect(config.stateDirectory == "/var/lib/vigil")
        let deployment = try #require(try documents("deployment.yaml").first { $0["kind"] as? String == "Deployment" })
        let args = try #require(containers(of: deployment).first?["args"] as? [String])
        #expect(args == ["run", "--config=/etc/vigil/vigil.yaml"])
    }

    @Test func theSidecarArgumentsParseToOneLocalTarget() throws {
        let deployment = try #require(try documents("sidecar.yaml").first { $0["kind"] as? String == "Deployment" })
        let vigil = try #require(containers(of: deployment).first { $0["name"] as? String == "vigil" })
        let args = try #require(vigil["args"] as? [String])
        #expect(args.first == "run")
        let command = try RunCommand.parse(Array(args.dropFirst()))
        let config = try command.source.load()
        #expect(config.targets.map(\.url) == ["http://127.0.0.1:8080/metrics"])
        #expect(config.targets.map(\.job) == ["checkout"])
        #expect(config.listenPort == 9464)
        #expect(config.stateDirectory == "/var/lib/vigil")
    }

    @Test func rbacGrantsOnlyWhatObservingNeeds() throws {
        let rules = try documents("rbac.yaml").filter { ["Role", "ClusterRole"].contains($0["kind"] as? String) }
            .flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }
        #expect(!rules.isEmpty)
        for rule in rules {
            let resources = rule["resources"] as? [String] ?? []
            let verbs = rule["verbs"] as? [String] ?? []
            let groups = rule["apiGroups"] as? [String] ?? []
            #expect(!(resources + verbs + groups).contains("*"), "wildcard in \(rule)")
            #expect(
                !resources.contains {
                    ["secrets", "pods/exec", "pods/attach", "pods/proxy", "nodes/proxy"].contains($0)
                }
            )
            #expect(!verbs.contains { ["escalate", "bind", "impersonate", "delete", "patch", "update"].contains($0) })
            // Observing writes nothing (an events grant once stood here, for Events no code creates).
            #expect(!verbs.contains("create"), "creates: \(rule)")
        }
    }

    /// The observing ClusterRole grants get/list/watch on exactly what the cluster watcher watches: no
    /// kind missing (its reflector would fail forever), none more.
    @Test func theObservingRoleCoversExactlyTheWatchedKinds() throws {
        let role = try #require(try documents("rbac.yaml").first { $0["kind"] as? String == "ClusterRole" })
        var granted: Set<String> = []
        for rule in (role["rules"] as? [[String: Any]]) ?? [] {
            #expect(Set(rule["verbs"] as? [String] ?? []) == ["get", "list", "watch"], "\(rule)")
            for group in rule["apiGroups"] as? [String] ?? [] {
                for resource in rule["resources"] as? [String] ?? [] { granted.insert("\(resource).\(group)") }
            }
        }
        // Each kind's collection path names its group: /api/v1/pods, /apis/apps/v1/deployments…
        var watched = Set(
            ClusterModel.Kind.allCases.map { kind -> String in
                let parts = kind.collection.split(separator: "/")
                return parts[0] == "api" ? "\(kind.rawValue)." : "\(kind.rawValue).\(parts[1])"
            }
        )
        watched.insert("events.events.k8s.io")
        #expect(granted == watched)
    }

    /// A daemon with `--allow-apply` applies only while it holds the remediation Lease, so the remediation
    /// rights carry the Lease's Role, and it is the clustered deployment's, to the letter: the two files
    /// may be applied together, and one may not grant what the other does not.
    @Test func remediationRightsCarryTheClustersLeaseRole() throws {
        func leaseObjects(_ file: String) throws -> [NSDictionary] {
            try documents(file).filter {
                Self.isRole($0, "vigil-leader-election")
                    || ($0["kind"] as? String == "RoleBinding"
                        && ($0["roleRef"] as? [String: Any])?["name"] as? String == "vigil-leader-election")
            }.map { $0 as NSDictionary }
        }
        let standalone = try leaseObjects("rbac-remediation.yaml")
        #expect(standalone.count == 2)
        #expect(standalone == (try leaseObjects("cluster/rbac.yaml")))
        let role = try #require(
            try documents("rbac-remediation.yaml").first { Self.isRole($0, "vigil-leader-election") }
        )
        let metadata = role["metadata"] as? [String: Any]
        #expect(metadata?["namespace"] as? String == "vigil")
        // Named: the one Lease and the one board; `create` cannot be limited by name.
        for rule in role["rules"] as? [[String: Any]] ?? [] {
            let verbs = Set(rule["verbs"] as? [String] ?? [])
            if verbs == ["create"] {
                #expect(rule["resourceNames"] == nil, "\(rule)")
            } else {
                #expect(verbs == ["get", "update"], "\(rule)")
                #expect(
                    ["vigil-remediation", "vigil-remediation-proposals"].contains(
                        (rule["resourceNames"] as? [String])?.first ?? ""
                    ),
                    "\(rule)"
                )
            }
        }
    }

    /// What a replica asks for at start (``LeaderElectionConfiguration/neededRights``) is what the Lease's
    /// Role grants, no more and no less: a right asked for and not granted would be logged as missing on a
    /// correct install.
    @Test func theLeaseRoleGrantsWhatAReplicaAsksForAtStart() throws {
        let role = try #require(
            try documents("rbac-remediation.yaml").first { Self.isRole($0, "vigil-leader-election") }
        )
        let namespace = try #require((role["metadata"] as? [String: Any])?["namespace"] as? String)
        let granted = Self.rights(grantedBy: role, in: namespace)
        let asked = Set(
            LeaderElectionConfiguration(namespace: namespace, identity: "vigil-0").neededRights.map(\.right)
        )
        #expect(
            asked == granted,
            "asked, not granted: \(asked.subtracting(granted)); granted, not asked: \(granted.subtracting(asked))"
        )
    }

    /// What a replica with `--allow-apply` asks for at start where every action may be proposed in the Role's
    /// namespace (``RemediationRights``) is what the Role vigil-remediate grants there, and the node actions'
    /// rights in every namespace what the ClusterRole vigil-remediate-nodes grants, no more and no less.
    @Test func theRemediationRolesGrantWhatEveryActionIsAskedForAtStart() throws {
        let manifests = try documents("rbac-remediation.yaml")
        let role = try #require(manifests.first { Self.isRole($0, "vigil-remediate") })
        let namespace = try #require((role["metadata"] as? [String: Any])?["namespace"] as? String)
        let nodes = try #require(manifests.first { Self.isRole($0, "vigil-remediate-nodes", kind: "ClusterRole") })
        let granted = Self.rights(grantedBy: role, in: namespace).union(Self.rights(grantedBy: nodes, in: ""))
        var policy = RemediationPolicy()
        policy.allowNamespaces = [namespace]
        let every = Playbook(
            name: "every",
            cause: "every",
            summary: "every action",
            then: Playbook.ActionTemplate.Action.allCases.map { Playbook.ActionTemplate($0) }
        )
        let asked = Set(RemediationRights.needed(by: [every], policy: policy).map(\.right))
        // Nothing dangerous in any role of the file, the Lease's and a copy for another namespace included.
        for document in manifests where ["Role", "ClusterRole"].contains(document["kind"] as? String) {
            for right in Self.rights(grantedBy: document, in: "") {
                #expect(!["escalate", "bind", "impersonate", "*"].contains(right.verb), "\(right)")
                #expect(right.verb != "update" || right.name != nil, "an update of any object: \(right)")
                #expect(!["secrets", "*"].contains(right.resource), "\(right)")
                #expect(!["exec", "attach", "*"].contains(right.subresource), "\(right)")
            }
        }
        #expect(
            asked == granted,
            "asked, not granted: \(asked.subtracting(granted)); granted, not asked: \(granted.subtracting(asked))"
        )
    }

    /// Every right a Role's (or ClusterRole's) rules grant, one per verb, resource (`deployments/scale` a
    /// subresource) and name.
    static func rights(grantedBy role: [String: Any], in namespace: String) -> Set<KubeRight> {
        var granted = Set<KubeRight>()
        for rule in role["rules"] as? [[String: Any]] ?? [] {
            for group in rule["apiGroups"] as? [String] ?? [] {
                for resource in rule["resources"] as? [String] ?? [] {
                    let parts = resource.split(separator: "/", maxSplits: 1).map(String.init)
                    for verb in rule["verbs"] as? [String] ?? [] {
                        let names = rule["resourceNames"] as? [String] ?? []
                        for name in names.isEmpty ? [nil] : names.map(Optional.some) {
                            granted.insert(
                                KubeRight(
                                    verb,
                                    parts[0],
                                    group: group,
                                    subresource: parts.count > 1 ? parts[1] : nil,
                                    in: namespace,
                                    named: name
                                )
                            )
                        }
                    }
                }
            }
        }
        return granted
    }

    static func isRole(_ document: [String: Any], _ name: String, kind: String = "Role") -> Bool {
        document["kind"] as? String == kind && (document["metadata"] as? [String: Any])?["name"] as? String == name
    }
}
