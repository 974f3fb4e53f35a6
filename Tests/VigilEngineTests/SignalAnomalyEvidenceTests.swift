import Testing
import VigilCore
import VigilRules

@testable import VigilEngine

/// The evidence `vigil diagnose` cites for an anomaly says what was expected, the usual range, how far
/// outside, which baseline judged it and since when — as the daemon's anomalies do.
struct SignalAnomalyEvidenceTests {
    /// 200 minutes around 100 (±2, a fixed pattern), then 20 minutes at 130.
    static let signal = Signal(
        rule: "queue_depth",
        labels: ["workload": "deployment/web"],
        times: (0..<220).map { Double($0) * 60 },
        values: (0..<220).map { $0 < 200 ? 100 + [-2, 1, 2, -1][$0 % 4] : 130 }
    )

    @Test func anAnomalyCarriesItsBaselineAndUsualRange() throws {
        let rule = SignalRule(name: "queue_depth", selector: try SeriesSelector("queue_depth"))
        let anomalies = SignalWatch.anomalies(in: Self.signal, rule: rule)
        let anomaly = try #require(anomalies.first)
        #expect(anomalies.count == 1)
        #expect(anomaly.startedAt == 200 * 60)
        #expect((99...101).contains(anomaly.expected))
        // The usual range holds every baseline sample and not the shifted one.
        let (low, high) = (anomaly.expected - 3 * anomaly.spread, anomaly.expected + 3 * anomaly.spread)
        #expect(low <= 98 && high >= 102, "range \(low) to \(high)")
        #expect(high < 130)
        #expect(abs(anomaly.deviation * anomaly.spread - (130 - anomaly.expected)) < 1e-9)

        let evidence = DiagnosisEngine.evidence(anomaly)
        #expect(evidence.message.hasPrefix("queue_depth of deployment/web 130 is "))
        #expect(evidence.message.contains("the usual spread above the expected 10"))
        #expect(evidence.message.contains("from the recent level (usual range 9"))
        #expect(evidence.message.hasSuffix("level shift since 1970-01-01T03:20:00Z, ongoing"))
    }

    /// The rule's `labels: {severity: …}` is the evidence's severity (it was warning whatever the rule said).
    @Test(arguments: [
        (["severity": "critical"], Finding.Severity.critical), (["severity": "info"], .info), ([:], .warning),
    ])
    func theRulesSeverityIsTheEvidences(labels: [String: String], severity: Finding.Severity) throws {
        let rule = SignalRule(name: "queue_depth", selector: try SeriesSelector("queue_depth"), labels: labels)
        let anomaly = try #require(SignalWatch.anomalies(in: Self.signal, rule: rule).first)
        #expect(DiagnosisEngine.evidence(anomaly).severity == severity)
    }
}
