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
        (100, 4096, 50, 36),
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
}
