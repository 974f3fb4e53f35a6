import Foundation
import Testing

@testable import VigilCore

/// Every case of the OpenMetrics conformance suite vendored in `Fixtures/openmetrics-tests`, each its own
/// test case: valid inputs parse, invalid ones are rejected.
struct OpenMetricsConformanceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var input: [UInt8]
        var shouldParse: Bool
        var testDescription: String { name }
    }

    static let directory = fixturesDirectory.appendingPathComponent("openmetrics-tests")

    static let cases: [Case] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap { name in
            let folder = directory.appendingPathComponent(name)
            guard let spec = try? Data(contentsOf: folder.appendingPathComponent("test.json")),
                let json = try? JSONSerialization.jsonObject(with: spec) as? [String: Any],
                let shouldParse = json["shouldParse"] as? Bool,
                let file = json["file"] as? String,
                let input = try? Data(contentsOf: folder.appendingPathComponent(file))
            else { return nil }
            return Case(name: name, input: Array(input), shouldParse: shouldParse)
        }
    }()

    @Test func suiteIsPresent() {
        // The suite ships 141 cases; finding none would make every case below vacuous.
        #expect(Self.cases.count >= 141)
        #expect(Self.cases.filter(\.shouldParse).count >= 29)
    }

    @Test(arguments: cases)
    func conformance(_ testCase: Case) {
        let result = Result { () throws(ExpositionError) in try samples(testCase.input, .openMetrics) }
        switch (result, testCase.shouldParse) {
        case (.success, true), (.failure, false):
            break
        case (.success, false):
            Issue.record("\(testCase.name) must be rejected but parsed")
        case (.failure(let error), true):
            Issue.record("\(testCase.name) must parse but failed: \(error)")
        }
    }

    @Test func valuesOfValidCasesAreRead() throws {
        let escaping = try #require(Self.cases.first { $0.name == "label_escaping" })
        let parsed = try samples(escaping.input, .openMetrics)
        // `\\foo` unescapes to `\foo`; an unknown escape such as `\f` is kept as written.
        #expect(parsed.contains { $0.name == "a2_total" && $0.labels.contains("foo=\\foo") })
        #expect(parsed.contains { $0.name == "a1_total" && $0.labels.contains("foo=\\foo") })
        #expect(parsed.contains { $0.name == "a5_total" && $0.labels.contains("foo=\n") })
        let uint64 = try #require(Self.cases.first { $0.name == "uint64_counter" })
        #expect(try samples(uint64.input, .openMetrics).first?.value == 9_223_372_036_854_775_808)
    }
}
