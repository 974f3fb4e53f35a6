import Foundation
import Testing
import VigilCLI
import VigilTestKit

/// `vigil kube act` against the fake API server, through the whole CLI.
@Suite(.serialized)
struct KubeActCommandTests {
    let server: FakeAPIServer
    init() throws { server = try FakeAPIServer() }

    /// Runs `vigil ARGUMENTS` in-process; status, stdout, stderr.
    func vigil(_ arguments: [String]) async -> (status: Int32, out: String, err: String) {
        final class Text: @unchecked Sendable {
            let lock = NSLock()
            var value = ""
            func append(_ text: String) { lock.withLock { value += text } }
        }
        let out = Text()
        let err = Text()
        let status = await Console.$current.withValue(
            Console(writeOut: { out.append($0) }, writeError: { err.append($0) })
        ) {
            await VigilCommand.run(arguments)
        }
        return (status, out.value, err.value)
    }

    @Test func actsAndPrintsTheKubectlEquivalent() async throws {
        try await server.reset()
        let restart = await vigil(["kube", "act", "restart", "deployment/web", "--kubeconfig", server.kubeconfig.path])
        #expect(restart.status == 0, "\(restart.err)")
        #expect(
            restart.out
                == "deployment.apps/web restarted\nkubectl equivalent: kubectl rollout restart deployment.apps/web -n shop\n"
        )

        let scale = await vigil([
            "kube", "act", "scale", "deploy/web", "--replicas=2", "--dry-run=server", "--kubeconfig",
            server.kubeconfig.path,
        ])
        #expect(scale.out.hasPrefix("deployment.apps/web scaled (server dry run)\n"))
        #expect(scale.out.contains("kubectl scale deployment.apps/web -n shop --replicas=2 --dry-run=server"))

        let resources = await vigil([
            "kube", "act", "set-resources", "deployment/web", "-c", "app", "--limits=memory=512Mi",
            "--kubeconfig", server.kubeconfig.path,
        ])
        #expect(resources.status == 0, "\(resources.err)")
        #expect(resources.out.hasPrefix("deployment.apps/web resource requirements updated\n"))
        #expect(
            resources.out.contains("kubectl set resources deployment.apps/web -n shop -c app --limits=memory=512Mi")
        )
        let again = await vigil([
            "kube", "act", "set-resources", "deployment/web", "-c", "app", "--limits=memory=512Mi",
            "--kubeconfig", server.kubeconfig.path,
        ])
        #expect(again.out.hasPrefix("deployment.apps/web resource requirements unchanged\n"))

        let cordon = await vigil(["kube", "act", "cordon", "node-1", "--kubeconfig", server.kubeconfig.path])
        #expect(cordon.out.hasPrefix("node/node-1 cordoned\n"))
        let requests = try await server.log().map { "\($0.method) \($0.path)" }
        #expect(requests.contains("PATCH /api/v1/nodes/node-1"))
    }

    @Test func expandsAPVCAndRaisesAnHPAMaximum() async throws {
        try await server.reset()
        let expand = await vigil([
            "kube", "act", "expand-pvc", "pvc/data", "--size=20Gi", "--kubeconfig", server.kubeconfig.path,
        ])
        #expect(expand.status == 0, "\(expand.err)")
        #expect(
            expand.out == """
                persistentvolumeclaim/data patched
                kubectl equivalent: kubectl patch persistentvolumeclaim/data -n shop -p '{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}'

                """
        )

        let raise = await vigil([
            "kube", "act", "set-hpa-max", "horizontalpodautoscaler/web", "--max-replicas=10", "--dry-run=server",
            "--kubeconfig", server.kubeconfig.path,
        ])
        #expect(raise.status == 0, "\(raise.err)")
        #expect(
            raise.out == """
                horizontalpodautoscaler.autoscaling/web patched (server dry run)
                kubectl equivalent: kubectl patch horizontalpodautoscaler.autoscaling/web -n shop --dry-run=server -p '{"spec":{"maxReplicas":10}}'

                """
        )
        let requests = try await server.log().map { "\($0.method) \($0.path) \($0.query)" }
        #expect(
            requests == [
                "GET /api/v1/namespaces/shop/persistentvolumeclaims/data []",
                #"PATCH /api/v1/namespaces/shop/persistentvolumeclaims/data [["fieldManager", "kubectl-patch"]]"#,
                "GET /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web []",
                #"PATCH /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web [["dryRun", "All"], ["fieldManager", "kubectl-patch"]]"#,
            ]
        )
    }

    @Test func refusedExpansionsAndMaximumsAreExplained() async throws {
        try await server.reset()
        let kubeconfig = ["--kubeconfig", server.kubeconfig.path]
        let notExpandable = await vigil(["kube", "act", "expand-pvc", "pvc/logs", "--size=20Gi"] + kubeconfig)
        #expect(notExpandable.status == 1)
        #expect(
            notExpandable.err
                == #"Error from server (Forbidden): persistentvolumeclaims "logs" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"#
                + "\n"
        )
        #expect(notExpandable.out.isEmpty)

        let shrink = await vigil(
            ["kube", "act", "expand-pvc", "pvc/data", "--size=5Gi", "--dry-run=server"] + kubeconfig
        )
        #expect(shrink.status == 1)
        #expect(
            shrink.err
                == #"Error from server (Invalid): PersistentVolumeClaim "data" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"#
                + "\n"
        )

        let belowMinimum = await vigil(["kube", "act", "set-hpa-max", "hpa/web", "--max-replicas=1"] + kubeconfig)
        #expect(belowMinimum.status == 1)
        #expect(
            belowMinimum.err
                == "cannot set the maxReplicas of horizontalpodautoscaler.autoscaling/web to 1: it must be greater than or equal to its minReplicas (2)\n"
        )

        let noSize = await vigil(["kube", "act", "expand-pvc", "pvc/data"] + kubeconfig)
        #expect(noSize.status == 2)
        #expect(noSize.err.contains("expand-pvc needs --size"))
        let badSize = await vigil(["kube", "act", "expand-pvc", "pvc/data", "--size=20 GB"] + kubeconfig)
        #expect(badSize.status == 2)
        #expect(badSize.err.contains(#"--size: expected a quantity like 20Gi or 500G, got "20 GB""#))
        let noMaximum = await vigil(["kube", "act", "set-hpa-max", "hpa/web"] + kubeconfig)
        #expect(noMaximum.status == 2)
        #expect(noMaximum.err.contains("set-hpa-max needs --max-replicas"))
        let wrongKind = await vigil(["kube", "act", "set-hpa-max", "deployment/web", "--max-replicas=3"] + kubeconfig)
        #expect(wrongKind.status == 2)
        #expect(wrongKind.err.contains("cannot set-hpa-max a deployment"))
        // Nothing but the reads and the two refused patches reached the server.
        let requests = try await server.log().map(\.method)
        #expect(requests == ["GET", "PATCH", "GET", "PATCH", "GET"])
    }

    @Test func refusalsAndMistakesAreExplained() async throws {
        try await server.reset()
        let missing = await vigil(["kube", "act", "delete", "pod/nope", "--kubeconfig", server.kubeconfig.path])
        #expect(missing.status == 1)
        #expect(missing.err == "Error from server (NotFound): pods \"nope\" not found\n")

        let wrongKind = await vigil(["kube", "act", "restart", "pod/web-1", "--kubeconfig", server.kubeconfig.path])
        #expect(wrongKind.status == 2)
        #expect(wrongKind.err.hasPrefix("Error: cannot restart a pod\nUsage: vigil kube act "), "\(wrongKind.err)")
        #expect(wrongKind.err.hasSuffix("\n  See 'vigil kube act --help' for more information.\n"), "\(wrongKind.err)")

        let kubeconfig = ["--kubeconfig", server.kubeconfig.path]
        // What kubectl refuses before sending, refused here before sending too.
        try await server.reset()
        let replicasRequired = "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0"
        for replicas in [[], ["--replicas=-1"]] {
            let scale = await vigil(["kube", "act", "scale", "deployment/web"] + replicas + kubeconfig)
            #expect(scale.status == 2)
            #expect(scale.err.contains(replicasRequired), "\(scale.err)")
        }
        let quantity = await vigil(
            ["kube", "act", "set-resources", "deployment/web", "-c", "app", "--limits=memory=abc"] + kubeconfig
        )
        #expect(quantity.status == 2)
        #expect(quantity.err.contains("--limits: memory: expected a quantity like 500m, 1 or 512Mi, got \"abc\""))
        let container = await vigil(
            ["kube", "act", "set-resources", "deployment/web", "-c", "nosuch", "--limits=memory=1Gi"] + kubeconfig
        )
        #expect(container.status == 1)
        #expect(container.err == "unable to find container named nosuch\n", "\(container.err)")
        let revision = await vigil(["kube", "act", "undo", "deployment/web", "--to-revision=-2"] + kubeconfig)
        #expect(revision.status == 1)
        #expect(revision.err == "unable to find specified revision -2 in history\n", "\(revision.err)")
        #expect(try await server.log().allSatisfy { $0.method == "GET" }, "nothing but reads was sent")

        let badConfig = await vigil(["kube", "act", "cordon", "node-1", "--kubeconfig", "/nonexistent/config"])
        #expect(badConfig.status == 1)
        #expect(badConfig.err == "/nonexistent/config: cannot read the kubeconfig\n")
    }

    @Test func eventsAreListedAsATableOrJSON() async throws {
        try await server.reset()
        let table = await vigil(["kube", "events", "--kubeconfig", server.kubeconfig.path])
        #expect(table.status == 0, "\(table.err)")
        let lines = table.out.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("LAST SEEN"))
        #expect(lines[1].hasPrefix("2026-11-29T12:00:00Z"))
        #expect(lines[1].contains("Pulled") && lines[1].contains("pod/web-1") && lines[1].hasSuffix("Pulled web-1"))
        let json = await vigil(["kube", "events", "-o", "json", "--kubeconfig", server.kubeconfig.path])
        let objects = try json.out.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(objects.map { $0["reason"] as? String } == ["Pulled", "Started"])

        // No answer: the error alone, no header above it (kubectl prints its header with the first rows).
        try await server.control("/__hangup", #"{"count": 1}"#)
        let unanswered = await vigil(["kube", "events", "--kubeconfig", server.kubeconfig.path])
        #expect(unanswered.status == 1 && unanswered.out.isEmpty && !unanswered.err.isEmpty, "\(unanswered)")
        // No events: kubectl's words, and no header either.
        let empty = await vigil(["kube", "events", "-n", "quiet", "--kubeconfig", server.kubeconfig.path])
        #expect(empty.status == 0 && empty.out.isEmpty, "\(empty)")
        #expect(empty.err == "No resources found in quiet namespace.\n")
    }

    @Test func watchingPrintsNewEventsAsTheyHappen() async throws {
        try await server.reset()
        final class Lines: @unchecked Sendable {
            let lock = NSLock()
            var text = ""
            func append(_ more: String) { lock.withLock { text += more } }
            var value: String { lock.withLock { text } }
        }
        let out = Lines()
        let kubeconfig = server.kubeconfig.path
        let watching = Task {
            await Console.$current.withValue(Console(writeOut: { out.append($0) }, writeError: { out.append($0) })) {
                _ = await VigilCommand.run(["kube", "events", "--watch", "-o", "json", "--kubeconfig", kubeconfig])
            }
        }
        defer { watching.cancel() }
        for _ in 0..<200 where out.value.split(separator: "\n").count < 2 {
            try await Task.sleep(for: .milliseconds(25))
        }
        try await Task.sleep(for: .milliseconds(200))
        try await server.control(
            "/__event",
            #"{"type":"ADDED","object":{"apiVersion":"v1","kind":"Event","metadata":{"name":"web-1.3","namespace":"shop"},"reason":"OOMKilling","message":"m","type":"Warning"}}"#
        )
        for _ in 0..<200 where !out.value.contains("OOMKilling") { try await Task.sleep(for: .milliseconds(25)) }
        #expect(out.value.split(separator: "\n").count == 3, "\(out.value)")
        #expect(out.value.contains("\"reason\":\"OOMKilling\""))
    }
}
