import Testing

@testable import VigilEngine

/// What closes an `applying` record: an answer, a reconciliation after a crash, or the lease not
/// confirmed just before the change — never another refusal, which would leave a crash's change
/// unreconciled and free to be sent again.
struct RemediationLedgerTests {
    static func applying(then refusal: String) -> RemediationLedger {
        RemediationLedger(records: [
            GuardrailsTests.record(.applying, "restart", proposal: "p1"),
            GuardrailsTests.record(.refused, "restart", ago: 30, proposal: "p1", reason: refusal),
        ])
    }

    @Test(arguments: ["in-flight", "not-leader", "already-applied", "cooldown"])
    func aRefusalAfterACrashsApplyingLeavesItInFlight(_ reason: String) {
        let ledger = Self.applying(then: reason)
        #expect(ledger.inFlight["p1"] != nil, "\(reason) must not close the crash's applying")
        #expect(!ledger.settled.contains("p1"))
    }

    @Test func theLeaseNotConfirmedBeforeTheChangeClosesItUnsettled() {
        let ledger = Self.applying(then: "lease-lost")
        #expect(ledger.inFlight["p1"] == nil)
        #expect(!ledger.settled.contains("p1"))
    }
}
