import Testing

@testable import VigilEngine

/// Folding repeated evidence must not depend on the order analyzers found it in: they walk
/// dictionaries, and a report, its JSON and its explanation changed from run to run when the first
/// item seen spoke for the group.
struct EvidenceFoldingTests {
    static func finding(_ pod: String, at: Double?, percent: Int) -> Evidence {
        Evidence(
            kind: .finding,
            name: "MemoryNearLimit",
            object: "pod/\(pod)",
            message: "working set of app in \(pod) reached \(percent) % of its limit",
            at: at,
            severity: .warning
        )
    }

    @Test func theEarliestItemSpeaksForTheGroupWhateverTheOrder() {
        let items = [
            Self.finding("cart-b", at: 20, percent: 100),
            Self.finding("cart-a", at: 20, percent: 100),
            Self.finding("cart-c", at: 10, percent: 99),
            Self.finding("cart-d", at: nil, percent: 98),
        ]
        let folded = DiagnosisEngine.deduplicated(items)
        #expect(folded.count == 1)
        #expect(folded.first?.object == "pod/cart-c")
        #expect(folded.first?.count == 4)
        #expect(folded.first?.at == 10)
        for permutation in [items.reversed(), [items[1], items[3], items[0], items[2]]] {
            #expect(DiagnosisEngine.deduplicated(Array(permutation)) == folded)
        }
    }

    /// A signal's anomalies that are over fold apart from the one going on, and fold among themselves to
    /// the latest end: a blip an hour ago is not the start of the trouble going on now.
    @Test func anomaliesOverFoldApartFromTheOneGoingOn() {
        let anomaly = RolloutBlameTests.anomaly(from:ended:)
        let folded = DiagnosisEngine.deduplicated([
            anomaly(100, 200), anomaly(5000, nil), anomaly(300, 400),
        ])
        #expect(folded.count == 2)
        #expect(folded.contains { $0.at == 100 && $0.ended == 400 && $0.count == 2 })
        #expect(folded.contains { $0.at == 5000 && $0.ended == nil && $0.count == 1 })
    }

    /// Ties in time go to the object that sorts first, so equal times give one answer too.
    @Test func tiesInTimeAreBrokenByObject() {
        let items = [Self.finding("cart-b", at: 20, percent: 100), Self.finding("cart-a", at: 20, percent: 100)]
        #expect(DiagnosisEngine.deduplicated(items).first?.object == "pod/cart-a")
        #expect(DiagnosisEngine.deduplicated(items.reversed()).first?.object == "pod/cart-a")
    }
}
