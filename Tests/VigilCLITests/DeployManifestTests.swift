import ArgumentParser
import Foundation
import Testing
import VigilKube
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
            if verbs.contains("create") { #expect(resources == ["events"], "creates more than events: \(rule)") }
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
}
