import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// Every action, done by the real kubectl and by Vigil against the same fake API server: the requests
/// must be the same — method, path, query, content type, and JSON-equal bodies — and so must those of the
/// kubectl command Vigil prints as the equivalent. Ignored: discovery (Vigil hard-codes the built-in paths),
/// the restart timestamp's value, and kubectl's wait after deleting a pod (Vigil does not wait).
@Suite(.serialized)
struct KubectlParityTests {
    let server: FakeAPIServer
    init() throws { server = try FakeAPIServer() }

    struct Case: CustomTestStringConvertible, Sendable {
        var kubectl: [String]
        var action: KubeAction
        var dryRun: Bool
        var testDescription: String { "kubectl " + kubectl.joined(separator: " ") }
    }

    static let web = KubeObjectReference(.deployment, namespace: "shop", name: "web")
    static let pod = KubeObjectReference(.pod, namespace: "shop", name: "web-1")
    /// PVC data's StorageClass allows expansion, logs's does not; both are bound, as big as they asked.
    static let data = KubeObjectReference(.persistentvolumeclaim, namespace: "shop", name: "data")
    static let logs = KubeObjectReference(.persistentvolumeclaim, namespace: "shop", name: "logs")
    /// minReplicas 2, maxReplicas 5.
    static let hpa = KubeObjectReference(.horizontalpodautoscaler, namespace: "shop", name: "web")
    static let restartBody =
        #"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"x"}}}}}"#

    static let cases: [Case] = [
        Case(kubectl: ["rollout", "restart", "deployment/web"], action: .restart(web), dryRun: false),
        Case(
            kubectl: ["rollout", "restart", "statefulset/web"],
            action: .restart(KubeObjectReference(.statefulset, namespace: "shop", name: "web")),
            dryRun: false
        ),
        Case(
            kubectl: ["rollout", "restart", "daemonset/web"],
            action: .restart(KubeObjectReference(.daemonset, namespace: "shop", name: "web")),
            dryRun: false
        ),
        Case(
            kubectl: ["scale", "statefulset/web", "--replicas=2"],
            action: .scale(KubeObjectReference(.statefulset, namespace: "shop", name: "web"), replicas: 2),
            dryRun: false
        ),
        Case(
            kubectl: [
                "patch", "deployment/web", "--type=strategic", "--field-manager=kubectl-rollout", "--dry-run=server",
                "-p",
                restartBody,
            ],
            action: .restart(web),
            dryRun: true
        ),
        Case(kubectl: ["rollout", "undo", "deployment/web"], action: .undo(web, toRevision: nil), dryRun: false),
        Case(
            kubectl: ["rollout", "undo", "deployment/web", "--to-revision=1", "--dry-run=server"],
            action: .undo(web, toRevision: 1),
            dryRun: true
        ),
        Case(kubectl: ["scale", "deployment/web", "--replicas=5"], action: .scale(web, replicas: 5), dryRun: false),
        Case(
            kubectl: ["scale", "deployment/web", "--replicas=1", "--dry-run=server"],
            action: .scale(web, replicas: 1),
            dryRun: true
        ),
        Case(kubectl: ["delete", "pod/web-1"], action: .delete(pod), dryRun: false),
        Case(kubectl: ["delete", "pod/web-1", "--dry-run=server"], action: .delete(pod), dryRun: true),
        Case(kubectl: ["cordon", "node-1"], action: .cordon(node: "node-1"), dryRun: false),
        Case(kubectl: ["cordon", "node-1", "--dry-run=server"], action: .cordon(node: "node-1"), dryRun: true),
        // "team" is not there (nothing to remove) and "owner" already holds its value: kubectl's patch
        // is the difference, and so is Vigil's.
        Case(
            kubectl: ["annotate", "deployment/web", "vigil.dev/remediation=restart-1234", "team-", "owner=shop-team"],
            action: .annotate(
                web,
                [
                    .init(key: "vigil.dev/remediation", value: "restart-1234"), .init(key: "team", value: nil),
                    .init(key: "owner", value: "shop-team"),
                ]
            ),
            dryRun: false
        ),
        Case(
            kubectl: ["annotate", "deployment/web", "owner-", "owner2=x", "--overwrite"],
            action: .annotate(
                web,
                [.init(key: "owner", value: nil), .init(key: "owner2", value: "x")],
                overwrite: true
            ),
            dryRun: false
        ),
        Case(
            kubectl: [
                "set", "resources", "deployment/web", "-c", "app", "--limits=memory=512Mi,cpu=1", "--requests=cpu=100m",
            ],
            action: .setResources(
                web,
                container: "app",
                limits: ["memory": "512Mi", "cpu": "1"],
                requests: ["cpu": "100m"]
            ),
            dryRun: false
        ),
        Case(
            kubectl: ["set", "resources", "statefulset/web", "--limits=memory=256Mi", "--dry-run=server"],
            action: .setResources(
                KubeObjectReference(.statefulset, namespace: "shop", name: "web"),
                container: nil,
                limits: ["memory": "256Mi"],
                requests: [:]
            ),
            dryRun: true
        ),
        Case(
            kubectl: ["label", "pod/web-1", "vigil.dev/quarantine=true", "--dry-run=server"],
            action: .label(pod, [.init(key: "vigil.dev/quarantine", value: "true")]),
            dryRun: true
        ),
        Case(
            kubectl: [
                "patch", "pvc", "data", "-n", "shop", "-p", #"{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}"#,
            ],
            action: .expandPVC(data, size: "20Gi"),
            dryRun: false
        ),
        Case(
            kubectl: [
                "patch", "pvc", "data", "-n", "shop", "-p", #"{"spec":{"resources":{"requests":{"storage":"15Gi"}}}}"#,
                "--dry-run=server",
            ],
            action: .expandPVC(data, size: "15Gi"),
            dryRun: true
        ),
        Case(
            kubectl: ["patch", "hpa", "web", "-n", "shop", "-p", #"{"spec":{"maxReplicas":10}}"#],
            action: .setHPAMax(hpa, maxReplicas: 10),
            dryRun: false
        ),
        Case(
            kubectl: ["patch", "hpa", "web", "-n", "shop", "-p", #"{"spec":{"maxReplicas":8}}"#, "--dry-run=server"],
            action: .setHPAMax(hpa, maxReplicas: 8),
            dryRun: true
        ),
    ]

    /// A command line's words as a POSIX shell splits them: blanks between words, single quotes and
    /// backslashes as quoting (all that Vigil's kubectl equivalents use).
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var word: String?
        var quoted = false
        var escaped = false
        for character in line {
            if escaped {
                word = (word ?? "") + String(character)
                escaped = false
            } else if quoted {
                if character == "'" { quoted = false } else { word = (word ?? "") + String(character) }
            } else if character == "'" {
                quoted = true
                word = word ?? ""
            } else if character == "\\" {
                escaped = true
            } else if character == " " {
                if let finished = word { words.append(finished) }
                word = nil
            } else {
                word = (word ?? "") + String(character)
            }
        }
        if let word { words.append(word) }
        return words
    }

    /// The requests with the restart timestamp blanked, and kubectl's post-delete wait left out.
    func comparable(_ requests: [FakeAPIServer.Request]) -> [FakeAPIServer.Request] {
        var result: [FakeAPIServer.Request] = []
        for var request in requests {
            request.body = request.body?.replacingOccurrences(
                of: #""kubectl.kubernetes.io/restartedAt":"[^"]*""#,
                with: #""kubectl.kubernetes.io/restartedAt":"x""#,
                options: .regularExpression
            )
            result.append(request)
            if request.method == "DELETE" { break }
        }
        return result
    }

    @Test(arguments: cases)
    func vigilSendsWhatKubectlSends(_ parity: Case) async throws {
        try await server.reset()
        let kubectl = try await server.kubectl(parity.kubectl)
        #expect(kubectl.status == 0, "\(kubectl.output)")
        let expected = comparable(try await server.log())

        try await server.reset()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop", credential: .token("fake-token")),
            transport: CurlHTTPClient(),
            // A dry run goes through a client that may send nothing else (what `vigil mcp` previews with).
            access: parity.dryRun ? .dryRun : .write
        )
        let outcome = try await client.perform(parity.action, dryRun: parity.dryRun)
        let actual = comparable(try await server.log())

        #expect(
            actual == expected,
            "kubectl:\n\(expected.map(\.description).joined(separator: "\n"))\nvigil:\n\(actual.map(\.description).joined(separator: "\n"))"
        )
        #expect(outcome.changed)
        // kubectl's own words, with Vigil's dry-run marker (which kubectl patch leaves out). A restart's dry run
        // is done by kubectl patch, which words it its own way.
        let firstLine = kubectl.output.split(separator: "\n").first.map(String.init) ?? ""
        let marked =
            parity.dryRun && !firstLine.hasSuffix(" (server dry run)") ? firstLine + " (server dry run)" : firstLine
        if case .restart = parity.action, parity.dryRun {
        } else {
            #expect(outcome.summary == marked, "\(outcome.summary) vs \(firstLine)")
        }

        // The command Vigil prints as the equivalent, run by kubectl, sends the same.
        try await server.reset()
        let line = Self.words(outcome.kubectl)
        #expect(line.first == "kubectl")
        let equivalent = try await server.kubectl(Array(line.dropFirst()))
        #expect(equivalent.status == 0, "\(outcome.kubectl): \(equivalent.output)")
        let sent = comparable(try await server.log())
        #expect(
            sent == expected,
            "\(outcome.kubectl):\n\(sent.map(\.description).joined(separator: "\n"))\nkubectl:\n\(expected.map(\.description).joined(separator: "\n"))"
        )
    }

    @Test(arguments: [false, true])
    func uncordonAfterCordonSendsWhatKubectlSends(dryRun: Bool) async throws {
        let flags = dryRun ? ["--dry-run=server"] : []
        try await server.reset()
        #expect(try await server.kubectl(["cordon", "node-1"]).status == 0)
        #expect(try await server.kubectl(["uncordon", "node-1"] + flags).status == 0)
        let expected = try await server.log()

        try await server.reset()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop"),
            transport: CurlHTTPClient(),
            access: .write
        )
        _ = try await client.perform(.cordon(node: "node-1"), dryRun: false)
        let outcome = try await client.perform(.uncordon(node: "node-1"), dryRun: dryRun)
        #expect(try await server.log() == expected)
        #expect(outcome.summary == "node/node-1 uncordoned" + (dryRun ? " (server dry run)" : ""))

        // The printed equivalent, after the same cordon.
        try await server.reset()
        #expect(try await server.kubectl(["cordon", "node-1"]).status == 0)
        #expect(try await server.kubectl(Array(Self.words(outcome.kubectl).dropFirst())).status == 0)
        #expect(try await server.log() == expected, "\(outcome.kubectl)")
    }

    @Test func aNodeAlreadyCordonedIsLeftAlone() async throws {
        try await server.reset()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop"),
            transport: CurlHTTPClient(),
            access: .write
        )
        _ = try await client.perform(.cordon(node: "node-1"), dryRun: false)
        let again = try await client.perform(.cordon(node: "node-1"), dryRun: false)
        #expect(!again.changed)
        #expect(again.summary == "node/node-1 already cordoned")
        let kubectl = try await server.kubectl(["cordon", "node-1"])
        #expect(kubectl.output.hasPrefix("node/node-1 already cordoned"))
    }

    @Test(arguments: [false, true])
    func drainSendsWhatKubectlSends(dryRun: Bool) async throws {
        try await server.reset()
        let flags = ["--ignore-daemonsets", "--delete-emptydir-data", "--force"] + (dryRun ? ["--dry-run=server"] : [])
        let kubectl = try await server.kubectl(["drain", "node-1"] + flags)
        #expect(kubectl.status == 0, "\(kubectl.output)")
        // Evictions run concurrently, in no fixed order: compare the requests as a set.
        let expected = try await server.log().map(\.description).sorted()

        try await server.reset()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop"),
            transport: CurlHTTPClient(),
            access: dryRun ? .dryRun : .write
        )
        let options = DrainOptions(ignoreDaemonSets: true, deleteEmptyDirData: true, force: true)
        let outcome = try await client.perform(.drain(node: "node-1", options), dryRun: dryRun)
        let actual = try await server.log().map(\.description).sorted()
        #expect(
            actual == expected,
            "kubectl:\n\(expected.joined(separator: "\n"))\nvigil:\n\(actual.joined(separator: "\n"))"
        )
        #expect(outcome.summary.hasPrefix("node/node-1 cordoned"))
        #expect(outcome.summary.contains("Warning: ignoring DaemonSet-managed Pods: shop/web-ds-1"))
        #expect(outcome.summary.hasSuffix("node/node-1 drained" + (dryRun ? " (server dry run)" : "")))

        try await server.reset()
        #expect(try await server.kubectl(Array(Self.words(outcome.kubectl).dropFirst())).status == 0)
        #expect(try await server.log().map(\.description).sorted() == expected, "\(outcome.kubectl)")
    }

    @Test func drainRefusesWhatItMayNotEvictAndRetriesADisruptionBudget() async throws {
        try await server.reset()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop"),
            transport: CurlHTTPClient(),
            access: .write
        )
        await #expect {
            try await client.perform(.drain(node: "node-1", DrainOptions()), dryRun: false)
        } throws: { error in
            let message = (error as! KubeError).message
            return message.contains(
                "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): shop/web-ds-1"
            )
                && message.contains(
                    "cannot delete Pods with local storage (use --delete-emptydir-data to override): shop/cache-1"
                )
                && message.contains(
                    "cannot delete Pods that declare no controller (use --force to override): shop/web-1, shop/debug-shell"
                )
        }
        let kubectl = try await server.kubectl(["drain", "node-1"])
        #expect(
            kubectl.output.contains(
                "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): shop/web-ds-1"
            )
        )

        // A PodDisruptionBudget refuses web-1's first eviction: retried after 5 s, then it goes.
        try await server.reset()
        try await server.control("/__block", #"{"web-1": 1}"#)
        let options = DrainOptions(ignoreDaemonSets: true, deleteEmptyDirData: true, force: true)
        let outcome = try await client.perform(.drain(node: "node-1", options), dryRun: false)
        #expect(outcome.summary.contains("pod/web-1 evicted"))
        let evictions = try await server.log().filter { $0.path.hasSuffix("/web-1/eviction") }
        #expect(evictions.count == 2)
    }

    /// Pods in a namespace Vigil may not change (`remediation.namespaces`) stop a drain before any eviction,
    /// every one named, as kubectl's filters stop it for a pod they keep (the node is cordoned first, as
    /// kubectl cordons first); a drain finding none evicts as before.
    @Test func aDrainThatWouldEvictFromAProtectedNamespaceIsRefusedWhole() async throws {
        try await server.reset()
        let options = DrainOptions(ignoreDaemonSets: true, deleteEmptyDirData: true, force: true)
        await #expect {
            try await client().perform(
                .drain(node: "node-1", options),
                dryRun: false,
                protectedNamespace: { $0 == "shop" ? "namespace shop is denied" : nil }
            )
        } throws: { error in
            let message = (error as! KubeError).message
            return message.contains("cannot evict Pods in a namespace Vigil may not change (remediation.namespaces): ")
                && ["shop/web-1", "shop/debug-shell", "shop/cache-1"].allSatisfy(message.contains)
                && !message.contains("shop/web-ds-1")
        }
        #expect(try await server.log().filter { $0.path.hasSuffix("/eviction") }.isEmpty)
        // A finished pod of a protected namespace (a completed job's) runs nothing: it does not stop the drain.
        try await server.control(
            "/__create",
            #"{"object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "helm-install-1", "namespace": "kube-system", "uid": "uid-helm", "resourceVersion": "1", "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "helm-install", "uid": "uid-job", "controller": true}]}, "spec": {"nodeName": "node-1", "containers": [{"name": "helm", "image": "helm"}]}, "status": {"phase": "Succeeded"}}}"#
        )
        let outcome = try await client().perform(
            .drain(node: "node-1", options),
            dryRun: false,
            protectedNamespace: { $0 == "kube-system" ? "namespace kube-system is denied" : nil }
        )
        #expect(outcome.summary.contains("pod/web-1 evicted"), "\(outcome.summary)")
        #expect(outcome.summary.contains("pod/helm-install-1 evicted"), "\(outcome.summary)")
    }

    /// A drain names the pods it is about to evict after its cordon and before the first eviction (the
    /// remediator puts them on record there), and evicts none when told no.
    @Test func aDrainNamesItsEvictionsBeforeSendingAny() async throws {
        try await server.reset()
        let options = DrainOptions(ignoreDaemonSets: true, deleteEmptyDirData: true, force: true)
        // What the drain named, and the evictions and cordons the server had had by then.
        let asked = Locked<(pods: [String], evictions: Int, cordons: Int)?>(nil)
        let server = self.server
        func drain(agreeing: Bool) async throws -> ActionOutcome {
            try await client().perform(
                .drain(node: "node-1", options),
                dryRun: false,
                beforeEvicting: { pods in
                    let log = (try? await server.log()) ?? []
                    let evictions = log.count { $0.path.hasSuffix("/eviction") }
                    let cordons = log.count { $0.method == "PATCH" && $0.path == "/api/v1/nodes/node-1" }
                    asked.withLock { $0 = (pods, evictions, cordons) }
                    return agreeing ? nil : "not now"
                }
            )
        }
        let refusal = await #expect(throws: KubeError.self) { try await drain(agreeing: false) }
        #expect(refusal?.message.hasSuffix("not now: none was sent") == true, "\(refusal?.message ?? "")")
        let named = try #require(asked.withLock { $0 })
        #expect(Set(named.pods) == ["shop/web-1", "shop/debug-shell", "shop/cache-1"])
        #expect(named.evictions == 0 && named.cordons == 1)
        #expect(try await server.log().filter { $0.path.hasSuffix("/eviction") }.isEmpty)
        // Agreed to: the same pods are evicted, none before they were named.
        try await server.reset()
        let outcome = try await drain(agreeing: true)
        #expect(outcome.summary.contains("pod/web-1 evicted"), "\(outcome.summary)")
        #expect(asked.withLock { $0?.evictions } == 0)
        #expect(try await server.log().count { $0.path.hasSuffix("/eviction") } == 3)
    }

    /// A delete's DeleteOptions and a drain's Eviction byte for byte as kubectl sends them (the reference's
    /// recordings, §2.4 and §2.6: Go's json.Encoder, fields in declared order, a newline after); the
    /// server-side comparisons above parse the JSON, so they cannot tell the order.
    @Test func deleteAndEvictionBodiesAreKubectlsBytes() {
        let pod = KubeObjectReference(.pod, namespace: "shop", name: "web-1")
        func text(_ request: KubeRequest) -> String { String(decoding: request.body ?? [], as: UTF8.self) }
        #expect(text(KubeAction.delete(pod).change(dryRun: false)) == #"{"propagationPolicy":"Background"}"# + "\n")
        #expect(
            text(KubeAction.delete(pod).change(dryRun: true))
                == #"{"propagationPolicy":"Background","dryRun":["All"]}"# + "\n"
        )
        #expect(
            text(NodeDrain.eviction(namespace: "shop", name: "web-1", dryRun: false))
                == #"{"kind":"Eviction","apiVersion":"policy/v1","metadata":{"name":"web-1","namespace":"shop","creationTimestamp":null},"deleteOptions":{}}"#
                + "\n"
        )
        #expect(
            text(NodeDrain.eviction(namespace: "shop", name: "web-1", dryRun: true))
                == #"{"kind":"Eviction","apiVersion":"policy/v1","metadata":{"name":"web-1","namespace":"shop","creationTimestamp":null},"deleteOptions":{"dryRun":["All"]}}"#
                + "\n"
        )
    }

    @Test func anExistingValueChangesOnlyWithOverwrite() async throws {
        try await server.reset()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop"),
            transport: CurlHTTPClient(),
            access: .write
        )
        let refusal =
            "--overwrite is false but found the following declared annotation(s): 'owner' already has a value (shop-team)"
        await #expect(throws: KubeError(code: 0, reason: nil, message: refusal)) {
            try await client.perform(.annotate(Self.web, [.init(key: "owner", value: "me")]), dryRun: false)
        }
        let kubectl = try await server.kubectl(["annotate", "deployment/web", "owner=me"])
        #expect(kubectl.status != 0)
        #expect(kubectl.output.contains(refusal), "\(kubectl.output)")
    }

    @Test func undoToAMissingRevisionIsRefusedAsKubectlRefusesIt() async throws {
        try await server.reset()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop"),
            transport: CurlHTTPClient(),
            access: .write
        )
        await #expect(
            throws: KubeError(code: 0, reason: nil, message: "unable to find specified revision 7 in history")
        ) {
            try await client.perform(.undo(Self.web, toRevision: 7), dryRun: false)
        }
        let kubectl = try await server.kubectl(["rollout", "undo", "deployment/web", "--to-revision=7"])
        #expect(kubectl.output.contains("unable to find specified revision 7 in history"), "\(kubectl.output)")
        // Undoing to the revision already running changes nothing.
        let same = try await client.perform(.undo(Self.web, toRevision: 2), dryRun: false)
        #expect(!same.changed)
    }

    /// A rollback sends the patch its dry run checked or nothing: the patch comes from the replicasets,
    /// which the deployment's resourceVersion does not guard.
    @Test func aRollbackSendsThePatchItsDryRunCheckedOrNothing() async throws {
        try await server.reset()
        let client = client()
        let checked = try await client.perform(.undo(Self.web, toRevision: 1), dryRun: true)
        #expect(checked.changed && !checked.rollbackPatch.isEmpty)
        let other = Array(#"[{"op":"replace","path":"/spec/template","value":{}}]"#.utf8)
        let refusal = await #expect(throws: KubeError.self) {
            try await client.perform(.undo(Self.web, toRevision: 1), dryRun: false, rollbackPatch: other)
        }
        #expect(refusal?.isConflict == true)
        #expect(try await server.log().filter { $0.method == "PATCH" }.count == 1)  // the dry run's
        let done = try await client.perform(
            .undo(Self.web, toRevision: 1),
            dryRun: false,
            rollbackPatch: checked.rollbackPatch
        )
        #expect(done.changed)
        let patches = try await server.log().filter { $0.method == "PATCH" }
        #expect(patches.count == 2 && patches[1].body == patches[0].body)
    }

    @Test(arguments: [
        "pvc/data", "persistentvolumeclaim/data", "persistentvolumeclaims/data",
        "hpa/web", "horizontalpodautoscaler/web", "horizontalpodautoscalers.autoscaling/web",
    ])
    func kindsAreNamedAsKubectlNamesThem(_ argument: String) async throws {
        let object = try #require(KubeObjectReference(kubectlArgument: argument, namespace: "shop"))
        try await server.reset()
        let kubectl = try await server.kubectl(["get", argument, "-o", "name"])
        #expect(kubectl.output == "\(object)\n")
        #expect(try await server.log().map(\.path) == [object.path])
    }

    /// A Vigil client of the fake server.
    func client() -> KubeClient {
        KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop"),
            transport: CurlHTTPClient(),
            access: .write
        )
    }

    @Test(arguments: [false, true])
    func expandingAPVCWhoseClassDoesNotAllowItIsRefusedAsTheServerRefusesKubectl(dryRun: Bool) async throws {
        let flags = dryRun ? ["--dry-run=server"] : []
        try await server.reset()
        let kubectl = try await server.kubectl(
            ["patch", "pvc", "logs", "-p", #"{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}"#] + flags
        )
        let expected = try await server.log()
        let refusal =
            #"persistentvolumeclaims "logs" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"#
        #expect(kubectl.status != 0)
        #expect(kubectl.output.contains("Error from server (Forbidden): " + refusal), "\(kubectl.output)")

        try await server.reset()
        await #expect(throws: KubeError(code: 403, reason: "Forbidden", message: refusal)) {
            try await client().perform(.expandPVC(Self.logs, size: "20Gi"), dryRun: dryRun)
        }
        #expect(try await server.log() == expected)
    }

    @Test func shrinkingAPVCIsRefusedAsTheServerRefusesKubectl() async throws {
        try await server.reset()
        let kubectl = try await server.kubectl([
            "patch", "pvc", "data", "-p", #"{"spec":{"resources":{"requests":{"storage":"5Gi"}}}}"#,
        ])
        let expected = try await server.log()
        // Servers before 1.32 (without RecoverVolumeExpansionFailure) say "less than previous value".
        let refusal =
            #"PersistentVolumeClaim "data" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"#
        #expect(kubectl.status != 0)
        #expect(kubectl.output.contains("The " + refusal), "\(kubectl.output)")

        try await server.reset()
        await #expect(throws: KubeError(code: 422, reason: "Invalid", message: refusal)) {
            try await client().perform(.expandPVC(Self.data, size: "5Gi"), dryRun: false)
        }
        #expect(try await server.log() == expected)

        // An expansion the volume has not caught up with may be taken back down to just above its capacity.
        _ = try await client().perform(.expandPVC(Self.data, size: "20Gi"), dryRun: false)
        #expect(try await client().perform(.expandPVC(Self.data, size: "15Gi"), dryRun: false).changed)
        await #expect(throws: KubeError(code: 422, reason: "Invalid", message: refusal)) {
            try await client().perform(.expandPVC(Self.data, size: "10Gi"), dryRun: false)
        }
    }

    @Test func anHPAMaximumBelowOneOrItsMinimumIsRefusedBeforeItIsSent() async throws {
        try await server.reset()
        let belowMinimum =
            "cannot set the maxReplicas of horizontalpodautoscaler.autoscaling/web to 1: it must be greater than or equal to its minReplicas (2)"
        await #expect(throws: KubeError(code: 0, reason: nil, message: belowMinimum)) {
            try await client().perform(.setHPAMax(Self.hpa, maxReplicas: 1), dryRun: false)
        }
        let belowOne =
            "cannot set the maxReplicas of horizontalpodautoscaler.autoscaling/web to 0: it must be greater than 0"
        await #expect(throws: KubeError(code: 0, reason: nil, message: belowOne)) {
            try await client().perform(.setHPAMax(Self.hpa, maxReplicas: 0), dryRun: true)
        }
        // Only the reads: nothing was sent for the server to refuse.
        #expect(try await server.log().map(\.method) == ["GET", "GET"])
        // kubectl sends it, and the API server refuses it for the same reason.
        let kubectl = try await server.kubectl(["patch", "hpa", "web", "-p", #"{"spec":{"maxReplicas":1}}"#])
        #expect(
            kubectl.output.contains(
                "spec.maxReplicas: Invalid value: 1: must be greater than or equal to `minReplicas`"
            ),
            "\(kubectl.output)"
        )
    }

    /// A paused deployment: kubectl reads it and refuses to restart it, sending nothing; so does Vigil (it
    /// sent the restart, which the paused deployment would never have rolled out).
    @Test func aPausedDeploymentIsNotRestartedAsKubectlDoesNotRestartIt() async throws {
        try await server.reset()
        try await server.control(
            "/__patch",
            #"{"path": "/apis/apps/v1/namespaces/shop/deployments/web", "patch": {"spec": {"paused": true}}}"#
        )
        let kubectl = try await server.kubectl(["rollout", "restart", "deployment/web"])
        let expected = try await server.log()
        let refusal = "deployment.apps/web can't restart paused deployment (run rollout resume first)"
        #expect(kubectl.status != 0)
        #expect(
            kubectl.output.contains("can't restart paused deployment (run rollout resume first)"),
            "\(kubectl.output)"
        )
        #expect(expected.map(\.method) == ["GET"])
        await #expect(throws: KubeError(code: 0, reason: nil, message: refusal)) {
            try await client().perform(.restart(Self.web), dryRun: false)
        }
        #expect(try await server.log() == expected + expected)
    }

    @Test func aPatchThatChangesNothingIsReportedAsKubectlReportsIt() async throws {
        try await server.reset()
        let kubectl = try await server.kubectl(["patch", "hpa", "web", "-p", #"{"spec":{"maxReplicas":5}}"#])
        let expected = try await server.log()
        try await server.reset()
        let outcome = try await client().perform(.setHPAMax(Self.hpa, maxReplicas: 5), dryRun: false)
        #expect(try await server.log() == expected)
        #expect(!outcome.changed)
        #expect(outcome.summary == "horizontalpodautoscaler.autoscaling/web patched (no change)")
        #expect(kubectl.output.hasPrefix(outcome.summary), "\(kubectl.output)")
    }

    @Test func serverErrorsCarryTheStatusMessage() async throws {
        try await server.reset()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop"),
            transport: CurlHTTPClient(),
            access: .write
        )
        let missing = KubeObjectReference(.deployment, namespace: "shop", name: "nope")
        await #expect(throws: KubeError(code: 404, reason: "NotFound", message: "deployments.apps \"nope\" not found"))
        {
            try await client.perform(.restart(missing), dryRun: false)
        }
        let kubectl = try await server.kubectl(["rollout", "restart", "deployment/nope"])
        #expect(kubectl.output.contains("deployments.apps \"nope\" not found"))
    }
}
