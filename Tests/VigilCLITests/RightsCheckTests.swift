import Logging
import MetricsTestKit
import Testing
@testable import VigilCLI
@testable import VigilKube

struct RightsCheckTests {
    /// The count is there only while the server answers: a stale count would stand for an unknown one
    /// (a 0 holding an alert off, or a count keeping it on after the Role was granted).
    @Test func theCountIsWithdrawnWhileTheServerCannotBeAsked() async throws {
        let metrics = TestMetrics()
        let update = KubeRight("update", "leases", group: "coordination.k8s.io", in: "vigil")
        let answers = Answers([
            .success([]),
            .failure(KubeError(code: 503, reason: "ServiceUnavailable", message: "the server is busy")),
            .success([NeededRight(update, purpose: "take over")]),
        ])
        let check = RightsCheck(
            subject: "the remediation Lease",
            consequence: "it could not take over",
            grant: "grant them",
            label: "vigil_remediation_lease_rights_missing",
            dimensions: [("lease", "vigil/vigil-remediation")],
            logger: Logger(label: "test"),
            missing: { () async throws(KubeError) in try await answers.next() },
            factory: metrics
        )
        let gauge = {
            try? metrics.expectGauge("vigil_remediation_lease_rights_missing", [("lease", "vigil/vigil-remediation")])
        }
        var state = RightsCheck.State()
        #expect(gauge() == nil, "unknown before the first answer")
        await check.check(&state)
        #expect(gauge()?.lastValue == 0)
        await check.check(&state)
        #expect(gauge() == nil, "unknown while the server cannot be asked")
        await check.check(&state)
        #expect(gauge()?.lastValue == 1)
    }

    /// The server's answers, one a check.
    actor Answers {
        var answers: [Result<[NeededRight], KubeError>]

        init(_ answers: [Result<[NeededRight], KubeError>]) { self.answers = answers }

        func next() throws(KubeError) -> [NeededRight] { try answers.removeFirst().get() }
    }
}
