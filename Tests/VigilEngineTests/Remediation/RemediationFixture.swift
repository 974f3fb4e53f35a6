import Foundation
import Logging
import MetricsTestKit
import VigilHTTP
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// A fake API server, an audit log in a fresh directory, and incidents with one proposal each, for the
/// remediation tests; time is the test's own (`now`), never the wall clock.
final class RemediationFixture: @unchecked Sendable {
    let server: FakeAPIServer
    private let temporary: TemporaryDirectory
    let kube: KubeClient
    /// The metrics of every remediator the fixture makes.
    let metrics = TestMetrics()
    private let lock = NSLock()
    private var time: Double = 1_800_000_000

    init() throws {
        server = try FakeAPIServer()
        temporary = try TemporaryDirectory("audit")
        kube = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop", credential: .token("fake-token")),
            transport: CurlHTTPClient(),
            access: .write,
            qps: 1000,
            burst: 1000
        )
    }

    var directory: URL { temporary.url }
    var auditPath: String { temporary.file("audit.jsonl").path }

    var now: Double { lock.withLock { time } }
    func advance(_ seconds: Double) { lock.withLock { time += seconds } }
    /// How far every remediator's wall clock has been stepped (an NTP correction); `now` stays the
    /// monotonic time.
    private var step: Double = 0
    func stepWallClocks(by seconds: Double) { lock.withLock { step += seconds } }

    func remediator(
        _ policy: RemediationPolicy,
        audit: AuditLog? = nil,
        leadership: (any RemediationLeadership)? = nil,
        handover: (any ProposalHandover)? = nil,
        turnWait: Duration = .zero,
        verifying: Bool = true,
        sleep: @escaping @Sendable (Duration) async -> Void = { _ in },
        skew: Double = 0
    ) throws -> Remediator {
        try Remediator(
            policy: policy,
            audit: audit ?? AuditLog(path: auditPath, environment: [:]),
            kube: kube,
            leadership: leadership,
            handover: handover,
            logger: Logger(label: "test"),
            wallTime: { [unowned self] in self.now + skew + self.lock.withLock { self.step } },
            monotonicTime: { [unowned self] in self.now },
            turnWait: turnWait,
            sleep: sleep,
            verifying: verifying,
            metrics: metrics
        )
    }

    func records() throws -> [AuditRecord] { try AuditLog.read(path: auditPath).records }

    /// How often the counter `label` with `dimensions` was counted (0 if never made).
    func counted(_ label: String, _ dimensions: [(String, String)]) -> Int64 {
        (try? metrics.expectCounter(label, dimensions).totalValue) ?? 0
    }

    /// The logged requests that change something (no reads, no dry runs).
    func changes() async throws -> [FakeAPIServer.Request] {
        try await server.log().filter { $0.method != "GET" && !$0.query.contains(["dryRun", "All"]) }
    }

    /// The object at `path` as the server holds it now.
    func object(_ path: String) async throws -> [String: Any] {
        KubeClient.object(try await kube.send(KubeRequest(method: "GET", path: path)))
    }

    /// The `applying` of ``memoryIncident(_:limit:cause:severity:autonomy:verify:)``'s default fix, with no
    /// answer after it: what a crash leaves in the log, or another process in the middle of the change.
    func unansweredApply(of incident: Incident) -> AuditRecord {
        var applying = applyingRecord(of: incident)
        applying.request = AuditRecord.Exchange(method: "PATCH", path: Self.web)
        applying.changes = [
            .init(path: "spec.template.spec.containers[app].resources.limits.memory", before: nil, after: "768Mi")
        ]
        return applying
    }

    /// An `applying` of `incident`'s first proposal now, with the memory-limit fix's record fields (the
    /// caller sets those of another action).
    func applyingRecord(of incident: Incident) -> AuditRecord {
        Self.record(.applying, proposal: incident.proposals[0].id, incident: incident.id, at: now)
    }

    /// Puts that fix in the object, as its change would, through the fake server's control endpoint (which
    /// its request log leaves out).
    func landUnansweredApply() async throws {
        try await server.control(
            "/__patch",
            #"{"path": "\#(Self.web)", "patch": {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "shop/web:1.1", "resources": {"limits": {"memory": "768Mi"}}}]}}}}}"#
        )
    }

    static let web = "/apis/apps/v1/namespaces/shop/deployments/web"

    /// Deployments `api-0` … `api-(count − 1)` in `shop` beside `web`, each with a container `app`: the
    /// many workloads of a burst.
    func apiDeployments(_ count: Int) async throws {
        for index in 0..<count {
            try await server.control(
                "/__create",
                #"{"object": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api-\#(index)", "namespace": "shop"}, "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "app", "image": "api:1"}]}}}, "status": {}}}"#
            )
        }
    }

    /// Gives `deployment/web`'s container `app` a memory limit (the fake server's has none): what a
    /// leader reads before it applies a handed-over memory fix, which a playbook makes only as a raise of
    /// one (``memoryIncident(_:limit:cause:severity:autonomy:verify:)``'s 768Mi is 512Mi × 1.5).
    func limitMemory(to limit: String = "512Mi") async throws {
        try await server.control(
            "/__patch",
            #"{"path": "\#(Self.web)", "patch": {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "shop/web:1.1", "resources": {"limits": {"memory": "\#(limit)"}}}]}}}}}"#
        )
    }

    /// `node-1` … `node-COUNT` on the fake API server (it starts with node-1), all schedulable, and a model
    /// of the cluster that shows them so.
    func nodes(_ count: Int) async throws -> ClusterModel {
        for index in 2...count {
            let node = #"{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-\#(index)"}, "spec": {}}"#
            try await server.control("/__create", #"{"object": \#(node)}"#)
        }
        var cluster = ClusterModel()
        cluster.load(
            items: (1...count).map {
                ["kind": "Node", "metadata": ["name": "node-\($0)"], "spec": [:] as [String: Any]]
            },
            now: Date(timeIntervalSince1970: now)
        )
        return cluster
    }

    /// A step of the memory-limit fix of `deployment/web` in shop, as Vigil records it.
    static func record(_ step: AuditRecord.Step, proposal: String, incident: String, at time: Double) -> AuditRecord {
        AuditRecord(
            time: Timestamp.utcMillis(time),
            step: step,
            proposal: proposal,
            incident: incident,
            subject: "deployment/web",
            cause: "memory-limit",
            action: "set-resources",
            target: "deployment/web",
            namespace: "shop",
            actor: "vigil"
        )
    }

    /// `deployment/NAME` in shop raised to `limit`, as the memory-limit playbook proposes it.
    static func memoryIncident(
        _ name: String = "web",
        limit: String = "768Mi",
        cause: String = "memory-limit",
        severity: Finding.Severity = .warning,
        autonomy: Playbook.Autonomy = .apply,
        verify: Playbook.Verification = Playbook.Verification()
    ) -> Incident {
        let object = KubeObjectReference(.deployment, namespace: "shop", name: name)
        let action = KubeAction.setResources(object, container: "app", limits: ["memory": limit], requests: [:])
        return incident(
            Subject(kind: "deployment", namespace: "shop", name: name),
            cause: cause,
            severity: severity,
            action: action,
            name: "set-resources",
            autonomy: autonomy,
            verify: verify
        )
    }

    /// `deployment/web` crash-looping, the fix proposed deleting its pod `pod`.
    /// A delete of `pod` for its workload's crash loop; `uid`: the UID the diagnosis saw, as the proposal
    /// carries it.
    static func podDeleted(_ pod: String, uid: String? = nil) -> Incident {
        var incident = incident(
            Subject(kind: "deployment", namespace: "shop", name: "web"),
            cause: "crashloop",
            action: .delete(KubeObjectReference(.pod, namespace: "shop", name: pod)),
            name: "delete-pod"
        )
        incident.proposals[0].parameters["uid"] = uid
        return incident
    }

    /// A drain of `node-1` for its failure, with `options` (the playbook's by default).
    static func nodeDrained(_ options: DrainOptions = ProposalBuilder.drainOptions) -> Incident {
        incident(
            Subject(kind: "node", namespace: "", name: "node-1"),
            cause: "node-failure",
            action: .drain(node: "node-1", options),
            name: "drain"
        )
    }

    static func incident(
        _ subject: Subject,
        cause: String,
        severity: Finding.Severity = .warning,
        action: KubeAction,
        name: String,
        autonomy: Playbook.Autonomy = .apply,
        verify: Playbook.Verification = Playbook.Verification()
    ) -> Incident {
        let id = DiagnosisEngine.id(subject, cause: cause, onset: 1_800_000_000)
        let target = "\(action.object.resource.rawValue)/\(action.object.name)"
        let proposal = Proposal(
            id: Proposal.id(incident: id, action: name, target: target),
            action: name,
            target: target,
            namespace: action.object.resource.isNamespaced ? action.object.namespace : "",
            parameters: [:],
            kubectl: action.kubectlCommand(dryRun: false),
            kubeAction: action,
            rule: cause,
            confidence: 0.8,
            rationale: "test",
            autonomy: autonomy,
            verify: verify,
            dryRun: nil
        )
        return Incident(
            id: id,
            subject: subject,
            startedAt: 1_800_000_000,
            cause: cause,
            summary: cause,
            playbook: cause,
            confidence: 0.8,
            severity: severity,
            evidence: [],
            proposals: [proposal],
            explanation: ""
        )
    }

    /// The playbook ``memoryIncident(_:limit:cause:severity:autonomy:verify:)`` comes from, as a replica's
    /// own rules hold it: the leader takes a handed-over proposal only as this makes it.
    static func memoryPlaybook(
        autonomy: Playbook.Autonomy = .apply,
        verify: Playbook.Verification = Playbook.Verification()
    ) -> Playbook {
        Playbook(
            name: "memory-limit",
            cause: "memory-limit",
            summary: "memory-limit",
            then: [Playbook.ActionTemplate(.setResources)],
            autonomy: autonomy,
            verify: verify
        )
    }

    static var applying: RemediationPolicy {
        var policy = RemediationPolicy()
        policy.allowApply = true
        return policy
    }

    /// A replica's elector for the Lease in namespace shop, on the fake API server.
    func elector(_ identity: String, _ clock: ManualClock) -> LeaderElector<ManualClock> {
        LeaderElector(
            configuration: LeaderElectionConfiguration(namespace: "shop", identity: identity),
            client: kube,
            clock: clock
        )
    }
}
