import Foundation
import Testing
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// A playbook only raises; a replica's own proposal, made from a model that can lag the object, is judged
/// against the object as its dry run reads it before anything is changed (`not-a-raise`).
@Suite struct RaiseOnlyTests {
    static let web = KubeObjectReference(.deployment, namespace: "shop", name: "web")

    /// The proposal to scale web from 3 to 6 waits for a person; meanwhile someone scales it to 10. The
    /// approval must not scale it down to 6.
    @Test func aScaleApprovedAfterTheWorkloadWasScaledUpIsNotSent() async throws {
        let fixture = try RemediationFixture()
        try await fixture.server.control(
            "/__patch",
            #"{"path": "\#(RemediationFixture.web)", "patch": {"spec": {"replicas": 3}}}"#
        )
        let incident = RemediationFixture.incident(
            Subject(kind: "deployment", namespace: "shop", name: "web"),
            cause: "saturation",
            action: .scale(Self.web, replicas: 6),
            name: "scale",
            autonomy: .approve
        )
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([incident], cluster: ClusterModel())
        try await fixture.server.control(
            "/__patch",
            #"{"path": "\#(RemediationFixture.web)", "patch": {"spec": {"replicas": 10}}}"#
        )

        let result = await remediator.approve(incident.proposals[0].id, by: "alice", cluster: ClusterModel())
        guard case .failure(let refusal) = result else {
            Issue.record("applied: \(result)")
            return
        }
        #expect(refusal.reason == "not-a-raise")
        #expect(refusal.message.contains("its replica count 6 is not above the object's 10"), "\(refusal.message)")
        #expect(try await fixture.changes().isEmpty)
        #expect((try await fixture.object(RemediationFixture.web)["spec"] as? [String: Any])?["replicas"] as? Int == 10)
        #expect(try fixture.records().last?.reason == "not-a-raise")
        #expect(try !fixture.records().contains { $0.step == .applying })
        #expect(fixture.counted("vigil_remediation_refusals_total", [("reason", "not-a-raise")]) == 1)
    }

    /// web's own memory fix, 768Mi, against the limit the object (or, where its template has none, the
    /// model's pods) shows when it is applied.
    @Test(
        arguments: [
            ("a template limit of 512Mi", "512Mi", nil, true),
            ("a template limit raised to 1Gi since", "1Gi", nil, false),
            ("a template limit of 768Mi already", "768Mi", nil, false),
            ("no template limit, the pods at a LimitRange's 512Mi", nil, "512Mi", true),
            ("no template limit, the pods at a LimitRange's 1Gi", nil, "1Gi", false),
            ("no limit anywhere: nothing to lower", nil, nil, true),
        ] as [(String, String?, String?, Bool)]
    )
    func aMemoryFixIsAppliedOnlyAsARaiseOfTheObjectAsItIsNow(
        _ why: String,
        _ templateLimit: String?,
        _ podLimit: String?,
        _ applied: Bool
    ) async throws {
        let fixture = try RemediationFixture()
        if let templateLimit { try await fixture.limitMemory(to: templateLimit) }
        let cluster = podLimit.map { ProposalHandoverTests.podsOf("web", limit: $0) } ?? ClusterModel()
        let remediator = try fixture.remediator(RemediationFixture.applying)
        await remediator.round([RemediationFixture.memoryIncident(limit: "768Mi")], cluster: cluster)

        #expect(try await fixture.changes().isEmpty == !applied, "\(why)")
        #expect(try fixture.records().contains { $0.step == .applied } == applied, "\(why)")
        if !applied {
            #expect(try fixture.records().last?.reason == "not-a-raise", "\(why)")
        }
    }

    /// A lowering is refused whichever way the request reads its value: every kind of raise a playbook makes.
    @Test(
        arguments: [
            (
                "maxReplicas 10 to 15", KubeAction.setHPAMax(web, maxReplicas: 15), #"{"spec": {"maxReplicas": 10}}"#,
                nil
            ),
            (
                "maxReplicas 10 to 8", .setHPAMax(web, maxReplicas: 8), #"{"spec": {"maxReplicas": 10}}"#,
                "its maxReplicas 8 is not above the object's 10"
            ),
            (
                "a claim of 10Gi to 15Gi", .expandPVC(web, size: "15Gi"),
                #"{"status": {"capacity": {"storage": "10Gi"}}}"#, nil
            ),
            (
                "a claim of 20Gi to 15Gi", .expandPVC(web, size: "15Gi"),
                #"{"status": {"capacity": {"storage": "20Gi"}}}"#, "its size 15Gi is not above the object's 20Gi"
            ),
            (
                "a claim expanding from 10Gi to 20Gi, to 15Gi", .expandPVC(web, size: "15Gi"),
                #"{"spec": {"resources": {"requests": {"storage": "20Gi"}}}, "status": {"capacity": {"storage": "10Gi"}}}"#,
                "its size 15Gi is not above the object's 20Gi"
            ),
            ("a restart raises nothing", .restart(web), "{}", nil),
        ] as [(String, KubeAction, String, String?)]
    )
    func everyRaiseIsReadAgainstTheObject(
        _ why: String,
        _ request: KubeAction,
        _ object: String,
        _ lowering: String?
    )
        throws
    {
        let current = try #require(try JSONSerialization.jsonObject(with: Data(object.utf8)) as? [String: Any])
        #expect(RaisedValue(request, current: current, podMemoryLimit: nil)?.lowering == lowering, "\(why)")
    }
}
