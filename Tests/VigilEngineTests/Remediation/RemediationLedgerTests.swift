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

    /// Whether a drain's evictions had begun is told from its records since its last `applying`, not from
    /// its latest record (a refusal or a dry run may follow the `evicting`).
    @Test func aDrainsEvictionsHaveBegunFromItsEvictingOnUntilItsNextApplying() {
        let applying = GuardrailsTests.record(.applying, "drain", proposal: "p1")
        let evicting = GuardrailsTests.record(.evicting, "drain", proposal: "p1")
        let refused = GuardrailsTests.record(.refused, "drain", proposal: "p1", reason: "cooldown")
        #expect(!RemediationLedger(records: [applying]).evictionsBegun.contains("p1"))
        #expect(RemediationLedger(records: [applying, evicting, refused]).evictionsBegun.contains("p1"))
        #expect(!RemediationLedger(records: [applying, evicting, applying]).evictionsBegun.contains("p1"))
    }

    @Test(arguments: ["in-flight", "not-leader", "already-applied", "cooldown"])
    func aRefusalAfterACrashsApplyingLeavesItInFlight(_ reason: String) {
        let ledger = Self.applying(then: reason)
        #expect(ledger.inFlight["p1"] != nil, "\(reason) must not close the crash's applying")
        #expect(!ledger.settled.contains("p1"))
    }

    /// A change that failed with no answer (status 0: timed out or cut off after it was sent) may have
    /// landed: the object cools down and the rate limit counts it. One the server refused did not land.
    @Test(arguments: [(0, true), (422, false), (nil, false)] as [(Int?, Bool)])
    func aChangeThatGotNoAnswerCountsAsMade(status: Int?, counted: Bool) {
        var failed = GuardrailsTests.record(.failed, "restart", ago: 30, proposal: "p1")
        failed.response = AuditRecord.Exchange(status: status, body: "operation timed out")
        let ledger = RemediationLedger(records: [GuardrailsTests.record(.applying, "restart", proposal: "p1"), failed])
        #expect(ledger.settled.contains("p1"))
        #expect(ledger.inFlight["p1"] == nil)
        #expect(ledger.changes.count == (counted ? 1 : 0))
        #expect((ledger.lastTouched("deployment/web", namespace: "shop") != nil) == counted)
        #expect(ledger.verifying["p1"] == nil)
    }

    @Test func theLeaseNotConfirmedBeforeTheChangeClosesItUnsettled() {
        let ledger = Self.applying(then: "lease-lost")
        #expect(ledger.inFlight["p1"] == nil)
        #expect(!ledger.settled.contains("p1"))
    }
}
