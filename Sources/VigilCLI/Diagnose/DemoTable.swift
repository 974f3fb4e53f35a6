import Foundation
import VigilEngine

/// A bundled scenario's `expected.json`: what it is, and the first incident it should give (none for
/// a healthy one).
struct ExpectedDiagnosis: Decodable {
    struct Incident: Decodable {
        var cause: String
        var workload: String
        var action: String?
    }

    var description: String
    var incident: Incident?

    static func load(_ directory: String) throws -> ExpectedDiagnosis {
        try JSONDecoder().decode(
            ExpectedDiagnosis.self,
            from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/expected.json"))
        )
    }
}

/// `vigil demo --all`: every bundled scenario's expected diagnosis beside the one Vigil gives.
struct DemoTable {
    struct Row {
        var scenario: String
        var expected: String
        var diagnosed: String
        var matches: Bool
    }

    var rows: [Row]

    static func build(directory: String, engine: DiagnosisEngine) throws -> DemoTable {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var rows: [Row] = []
        for name in names.sorted() {
            let path = "\(directory)/\(name)"
            guard let expected = try? ExpectedDiagnosis.load(path) else { continue }
            let input: DiagnosisInput
            do {
                input = try DiagnosisInput.replay(path, engine: engine)
            } catch {
                rows.append(
                    Row(scenario: name, expected: describe(expected.incident), diagnosed: "error", matches: false)
                )
                continue
            }
            let first = engine.diagnose(history: input.history, cluster: input.cluster, now: input.now).incidents.first
            let got = first.map {
                ExpectedDiagnosis.Incident(
                    cause: $0.cause,
                    workload: $0.subject.description,
                    action: $0.proposals.first?.action
                )
            }
            let matches =
                got?.cause == expected.incident?.cause && got?.workload == expected.incident?.workload
                && (expected.incident?.action == nil || got?.action == expected.incident?.action)
            rows.append(
                Row(scenario: name, expected: describe(expected.incident), diagnosed: describe(got), matches: matches)
            )
        }
        return DemoTable(rows: rows)
    }

    static func describe(_ incident: ExpectedDiagnosis.Incident?) -> String {
        guard let incident else { return "no incident" }
        // kubectl's short name: the table fits 100 columns.
        let workload = incident.workload.replacingOccurrences(of: "persistentvolumeclaim/", with: "pvc/")
        return "\(workload) \(incident.cause)" + (incident.action.map { " → \($0)" } ?? "")
    }

    func render(style: TerminalStyle) -> String {
        let nameWidth = max(8, rows.map(\.scenario.count).max() ?? 0)
        let expectedWidth = max(8, rows.map(\.expected.count).max() ?? 0)
        func padded(_ text: String, _ width: Int) -> String {
            text.padding(toLength: width, withPad: " ", startingAt: 0)
        }
        var text =
            style.bold("\(padded("scenario", nameWidth))  \(padded("expected", expectedWidth))  diagnosed") + "\n"
        for row in rows {
            let verdict = row.matches ? style.green("✓ as expected") : style.red("✗ \(row.diagnosed)")
            text += "\(padded(row.scenario, nameWidth))  \(padded(row.expected, expectedWidth))  \(verdict)\n"
        }
        let matching = rows.filter(\.matches).count
        text += "\n\(matching) of \(rows.count) scenarios diagnosed as expected.\n"
        return text
    }
}
