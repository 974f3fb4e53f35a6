import Foundation
import VigilKube
import VigilRules

/// Runs a rule test file through the diagnosis engine, as `promtool test rules` runs Prometheus's: at
/// each `eval_time` the engine sees the input series up to then and the objects and events, and the
/// incidents it ranks must be the expected ones, in order.
public enum RuleTestRunner {
    public struct Failure: Sendable, CustomStringConvertible {
        public var test: String
        public var at: Double
        public var expected: [RuleTestFile.Expectation]
        public var got: [RuleTestFile.Expectation]

        public var description: String {
            """
                name: \(test),
                eval_time: \(Int(at))s,
                    exp: \(expected.isEmpty ? "(no incidents)" : expected.map(\.description).joined(separator: "; "))
                    got: \(got.isEmpty ? "(no incidents)" : got.map(\.description).joined(separator: "; "))
            """
        }
    }

    public static func run(_ file: RuleTestFile, rules: RuleSet) -> [Failure] {
        let engine = DiagnosisEngine(rules: rules)
        var failures: [Failure] = []
        for test in file.cases {
            for (at, expected) in test.expected {
                var history = MetricHistory()
                for series in test.history.series {
                    var seen = series
                    let count = series.times.firstIndex { $0 > at } ?? series.times.count
                    seen.times = Array(series.times[..<count])
                    seen.values = Array(series.values[..<count])
                    if !seen.times.isEmpty { history.append(seen) }
                }
                var cluster = ClusterModel(eventWindow: .infinity)
                let now = Date(timeIntervalSince1970: at)
                cluster.load(items: test.objects.compactMap(object), now: now)
                cluster.load(events: test.events.compactMap(object), now: now)
                let got = engine.diagnose(history: history, cluster: cluster, now: at).incidents.map {
                    RuleTestFile.Expectation(
                        workload: $0.subject.description,
                        namespace: $0.subject.namespace,
                        cause: $0.cause,
                        action: $0.proposals.first?.action
                    )
                }
                if got != expected { failures.append(Failure(test: test.name, at: at, expected: expected, got: got)) }
            }
        }
        return failures
    }

    private static func object(_ data: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}
