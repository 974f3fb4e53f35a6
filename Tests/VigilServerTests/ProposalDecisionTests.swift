import Testing

@testable import VigilServer

/// What the audit log keeps of a caller's words on an approval or rejection.
struct ProposalDecisionTests {
    @Test func aCallersWordsKeepNoControlCharactersAndAreCutByScalars() {
        #expect(VigilServer.plain("alice\u{1B}[2J\nbob\u{2028}", limit: 64) == "alice[2Jbob")
        // One character of many combining marks counts each mark.
        let heavy = "a" + String(repeating: "\u{301}", count: 5000)
        #expect(VigilServer.plain(heavy, limit: 64)?.unicodeScalars.count == 64)
        // Nothing left is no words.
        #expect(VigilServer.plain("\u{1B}\n", limit: 64) == nil)
    }

    @Test func aTokensClaimIsMarkedAndCleaned() {
        #expect(VigilServer.decider(.bearerToken, claimed: "alice\u{7}") == "bearer-token (alice)")
        #expect(VigilServer.decider(nil, claimed: nil) == "anonymous")
        #expect(VigilServer.decider(.user("carol"), claimed: "mallory") == "carol")
    }
}
