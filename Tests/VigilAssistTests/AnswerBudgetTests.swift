import Foundation
import Testing
import VigilAssist

@Suite struct AnswerBudgetTests {
    static func items(_ count: Int) -> [AssistItem] {
        (0..<count).map { AssistItem(json: "{\"n\":\($0),\"pad\":\"\(String(repeating: "x", count: 90))\"}") }
    }

    @Test(arguments: [
        // (items, max bytes, max items, shown): within both bounds, all; else the first that fit.
        (3, 4096, 50, 3),
        (100, 4096, 50, 34),
        (100, 65536, 50, 50),
        (0, 1024, 50, 0),
    ])
    func keepsWholeItemsWithinTheBudget(count: Int, maxBytes: Int, maxItems: Int, shown: Int) throws {
        let budget = AnswerBudget(maxBytes: maxBytes, maxItems: maxItems)
        let text = budget.render(Self.items(count), narrowing: "pass a \"namespace\"")
        #expect(text.utf8.count <= maxBytes)
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(answer["total"] as? Int == count)
        #expect(answer["shown"] as? Int == shown)
        #expect((answer["items"] as? [Any])?.count == shown)
        let hint = answer["truncated"] as? String
        #expect((hint != nil) == (shown < count))
        if let hint { #expect(hint.hasSuffix("pass a \"namespace\"") && hint.hasPrefix("\(count - shown) more")) }
    }

    @Test func anItemOverTheBudgetIsCutNotDropped() throws {
        // One incident-like item of 40 KiB: a long list (strongest first) and a long text.
        let evidence = (0..<400).map { #"{"rank":\#($0),"message":"\#(String(repeating: "m", count: 80))"}"# }
        let item = AssistItem(
            json:
                #"{"id":"8ea2516642510e8b","summary":"\#(String(repeating: "s", count: 2000))","evidence":[\#(evidence.joined(separator: ","))]}"#
        )
        let text = AnswerBudget(maxBytes: 2048).render([item], narrowing: "lower evidence_limit")
        #expect(text.utf8.count <= 2048)
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(answer["untrusted"] as? String == AnswerBudget.untrustedNote)
        #expect(answer["total"] as? Int == 1 && answer["shown"] as? Int == 1)
        let cut = try #require((answer["items"] as? [[String: Any]])?.first)
        // The id is whole, the list kept its head in order, the long text ends in an ellipsis.
        #expect(cut["id"] as? String == "8ea2516642510e8b")
        let kept = try #require(cut["evidence"] as? [[String: Any]])
        #expect(!kept.isEmpty && kept.enumerated().allSatisfy { $0.element["rank"] as? Int == $0.offset })
        #expect((cut["summary"] as? String)?.hasSuffix("…") == true)
        let hint = try #require(answer["truncated"] as? String)
        #expect(hint.contains("cut to fit") && hint.hasSuffix("lower evidence_limit"))
    }

    @Test func aKubectlCommandIsNeverCut() throws {
        // Cut after `… pod web-x`, the command would act without its `-n`: it is kept whole or not at all.
        // The command is the item's largest text (~500 characters), so a cut that may take it takes it first.
        let kubectl = "kubectl delete pod web-7d9f-x2 " + String(repeating: "--grace-period=30 ", count: 26) + "-n shop"
        let item = AssistItem(
            json: #"{"id":"p1","kubectl":"\#(kubectl)","rationale":"\#(String(repeating: "r", count: 400))"}"#
        )
        let text = AnswerBudget(maxBytes: 1024).render([item], narrowing: "read one proposal")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let cut = try #require((answer["items"] as? [[String: Any]])?.first)
        #expect(cut["kubectl"] as? String == kubectl)
        #expect((cut["rationale"] as? String)?.hasSuffix("…") == true)
    }
}
