import Testing
import VigilKube

@testable import VigilEngine

@Suite struct ObjectDiffTests {
    @Test func onlyTheFieldsThatChangeNamedByPath() {
        let before = KubeClient.object(
            Array(
                #"{"metadata": {"name": "web", "resourceVersion": "7", "generation": 3}, "spec": {"replicas": 3, "paused": false, "template": {"spec": {"containers": [{"name": "app", "image": "a:1", "resources": {"limits": {"memory": "512Mi"}}}, {"name": "sidecar", "image": "s:1"}]}}}, "status": {"replicas": 3}}"#
                    .utf8
            )
        )
        let after = KubeClient.object(
            Array(
                #"{"metadata": {"name": "web", "resourceVersion": "8", "generation": 4}, "spec": {"replicas": 3, "paused": true, "template": {"spec": {"containers": [{"name": "sidecar", "image": "s:1"}, {"name": "app", "image": "a:1", "resources": {"limits": {"memory": "768Mi"}}}]}}}, "status": {"replicas": 1}}"#
                    .utf8
            )
        )
        #expect(
            ObjectDiff.changes(before: before, after: after) == [
                AuditRecord.Change(path: "spec.paused", before: "false", after: "true"),
                AuditRecord.Change(
                    path: "spec.template.spec.containers[app].resources.limits.memory",
                    before: "512Mi",
                    after: "768Mi"
                ),
            ]
        )
    }

    @Test func undoPlansComeFromTheObjectAsRead() {
        let web = KubeObjectReference(.deployment, namespace: "shop", name: "web")
        let object = KubeClient.object(
            Array(
                #"{"metadata": {"annotations": {"deployment.kubernetes.io/revision": "4"}}, "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "app", "resources": {"limits": {"memory": "512Mi"}}}]}}}}"#
                    .utf8
            )
        )
        let limit = UndoPlan.plan(
            for: .setResources(web, container: "app", limits: ["memory": "768Mi"], requests: [:]),
            before: object
        )
        #expect(
            limit?.kubeAction(target: "deployment/web", namespace: "shop")
                == .setResources(web, container: "app", limits: ["memory": "512Mi"], requests: [:])
        )
        #expect(
            UndoPlan.plan(for: .scale(web, replicas: 6), before: object)?.kubeAction(
                target: "deployment/web",
                namespace: "shop"
            ) == .scale(web, replicas: 3)
        )
        #expect(
            UndoPlan.plan(for: .undo(web, toRevision: nil), before: object)?.kubeAction(
                target: "deployment/web",
                namespace: "shop"
            ) == .undo(web, toRevision: 4)
        )
        #expect(
            UndoPlan.plan(for: .cordon(node: "n1"), before: [:])?.kubeAction(target: "node/n1", namespace: "")
                == .uncordon(node: "n1")
        )
        #expect(UndoPlan.plan(for: .cordon(node: "n1"), before: ["spec": ["unschedulable": true]]) == nil)
        #expect(UndoPlan.plan(for: .restart(web), before: object) == nil)
    }
}
