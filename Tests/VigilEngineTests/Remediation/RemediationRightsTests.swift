import Foundation
import Testing
import VigilHTTP
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// The rights a daemon with `--allow-apply` asks for at start are those its fixes use: each action's table
/// (``RemediationRights/rights(of:in:)``) against the requests Vigil sends doing it, to a fake API server,
/// read as the API server reads a request's verb and resource; and the namespaces it asks in are those the
/// policy lets playbooks propose in.
@Suite(.serialized)
struct RemediationRightsTests {
    typealias Action = Playbook.ActionTemplate.Action

    /// The object of every kind a proposal of `action` can change, as ``ProposalBuilder`` makes them.
    static func actions(_ action: Action) -> [KubeAction] {
        let workloads = [KubeResource.deployment, .statefulset, .daemonset].map {
            KubeObjectReference($0, namespace: "shop", name: "web")
        }
        switch action {
        case .restart: return workloads.map { .restart($0) }
        case .setResources:
            return workloads.map { .setResources($0, container: nil, limits: ["memory": "1Gi"], requests: [:]) }
        case .undo: return [.undo(workloads[0], toRevision: nil)]
        case .scale: return workloads.prefix(2).map { .scale($0, replicas: 2) }
        case .setHPAMax:
            return [
                .setHPAMax(
                    KubeObjectReference(.horizontalpodautoscaler, namespace: "shop", name: "web"),
                    maxReplicas: 10
                )
            ]
        case .expandPVC:
            return [
                .expandPVC(KubeObjectReference(.persistentvolumeclaim, namespace: "shop", name: "data"), size: "20Gi")
            ]
        case .deletePod: return [.delete(KubeObjectReference(.pod, namespace: "shop", name: "web-1"))]
        case .cordon: return [.cordon(node: "node-1")]
        case .drain:
            // Forced, so that the fake's unmanaged pod is evicted too rather than refusing the drain: the
            // same requests, one more eviction.
            var options = ProposalBuilder.drainOptions
            options.force = true
            return [.drain(node: "node-1", options)]
        }
    }

    /// The right a request needs, as the API server's request info reads it: the verb from the method (a
    /// read without a name lists), the group, resource, subresource and namespace from the path.
    static func right(of request: FakeAPIServer.Request) -> KubeRight? {
        var parts = request.path.split(separator: "/").map(String.init)
        guard let root = parts.first, root == "api" || root == "apis" else { return nil }
        let group = root == "api" ? "" : parts[1]
        parts.removeFirst(root == "api" ? 2 : 3)
        var namespace = ""
        if parts.first == "namespaces", parts.count > 2 {
            namespace = parts[1]
            parts.removeFirst(2)
        }
        guard let resource = parts.first else { return nil }
        let named = parts.count > 1
        let verb =
            switch request.method {
            case "GET": named ? "get" : "list"
            case "POST": "create"
            case "PATCH": "patch"
            case "PUT": "update"
            case "DELETE": named ? "delete" : "deletecollection"
            default: request.method.lowercased()
            }
        return KubeRight(
            verb,
            resource,
            group: group,
            subresource: parts.count > 2 ? parts[2] : nil,
            in: namespace,
            named: named ? parts[1] : nil
        )
    }

    @Test(arguments: Action.allCases)
    func anActionsRightsAreThoseItsRequestsNeed(_ action: Action) async throws {
        let server = try FakeAPIServer()
        let kube = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop", credential: .token("t")),
            transport: CurlHTTPClient(),
            access: .write
        )
        var used = Set<KubeRight>()
        for kubeAction in Self.actions(action) {
            for dryRun in [true, false] {
                try await server.reset()
                let outcome = try await kube.perform(kubeAction, dryRun: dryRun)
                #expect(outcome.changed, "\(kubeAction): \(outcome.summary)")
                used.formUnion(try await server.log().compactMap(Self.right))
            }
        }
        let table = RemediationRights.rights(of: action, in: "shop")
        // Names and namespaces aside, the same rights; each used in a namespace the table's right covers
        // (a node action's cover every namespace).
        func kind(_ right: KubeRight) -> [String?] { [right.verb, right.group, right.resource, right.subresource] }
        #expect(Set(used.map(kind)) == Set(table.map(kind)), "used: \(used.sorted { $0.description < $1.description })")
        for right in used {
            #expect(
                table.contains { kind($0) == kind(right) && ($0.namespace.isEmpty || $0.namespace == right.namespace) }
            )
        }
        #expect(table.allSatisfy { $0.name == nil }, "asked of every object, not the one in the test")
        // In the namespace asked about, or, for a node action, in every namespace.
        #expect(table.allSatisfy { $0.namespace == (action.isNodeAction ? "" : "shop") }, "\(table)")
    }

    static func playbook(_ actions: [Action], autonomy: Playbook.Autonomy = .propose) -> Playbook {
        Playbook(
            name: "p",
            cause: "c",
            summary: "s",
            then: actions.map { Playbook.ActionTemplate($0) },
            autonomy: autonomy
        )
    }

    @Test func withNoNamespacesListedTheRightsAreAskedInEveryNamespace() {
        let needed = RemediationRights.needed(
            by: [Self.playbook([.restart]), Self.playbook([.setResources, .cordon])],
            policy: RemediationPolicy()
        )
        #expect(
            needed.map(\.description) == [
                "get deployments.apps -A (for restart, set-resources)",
                "patch deployments.apps -A (for restart, set-resources)",
                "get statefulsets.apps -A (for restart, set-resources)",
                "patch statefulsets.apps -A (for restart, set-resources)",
                "get daemonsets.apps -A (for restart, set-resources)",
                "patch daemonsets.apps -A (for restart, set-resources)",
                "get nodes -A (for cordon)",
                "patch nodes -A (for cordon)",
            ]
        )
    }

    @Test func theAllowedNamespacesAreAskedInAndTheDeniedAreNot() {
        var policy = RemediationPolicy()
        policy.allowNamespaces = ["shop", "kube-system", "web"]
        // A namespace where the playbook only explains needs nothing.
        policy.autonomy = ["web": .explain]
        let needed = RemediationRights.needed(by: [Self.playbook([.deletePod, .drain])], policy: policy)
        #expect(
            needed.map(\.description) == [
                "delete pods -n shop (for delete-pod)", "get nodes -A (for drain)", "patch nodes -A (for drain)",
                "list pods -A (for drain)", "get pods -A (for drain)",
                "create pods --subresource=eviction -A (for drain)",
                "get daemonsets.apps -A (for drain)",
            ]
        )
    }

    @Test func aPlaybookThatOnlyExplainsNeedsRightsOnlyWhereANamespaceMakesItPropose() {
        let explaining = Self.playbook([.scale, .cordon], autonomy: .explain)
        #expect(RemediationRights.needed(by: [explaining], policy: RemediationPolicy()).isEmpty)
        var policy = RemediationPolicy()
        policy.autonomy = ["shop": .approve, "kube-system": .apply]
        #expect(
            RemediationRights.needed(by: [explaining], policy: policy).map(\.description) == [
                "get deployments.apps -n shop (for scale)",
                "patch deployments.apps --subresource=scale -n shop (for scale)",
                "get statefulsets.apps -n shop (for scale)",
                "patch statefulsets.apps --subresource=scale -n shop (for scale)",
            ]
        )
    }
}
