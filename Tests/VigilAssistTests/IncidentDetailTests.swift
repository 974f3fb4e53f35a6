import Foundation
import Testing

@testable import VigilEngine
@testable import VigilServer

/// What `get_incident` and `diagnose` answer: the strongest evidence first, so that the answer budget,
/// which keeps a list's first half when it must cut, keeps what matters.
struct IncidentDetailTests {
    @Test func evidenceIsStrongestFirstAndCutToTheLimit() throws {
        let severities: [Finding.Severity] = [.info, .warning, .critical, .info, .critical, .warning]
        let evidence = severities.enumerated().map { index, severity in
            Evidence(
                kind: .event,
                name: "E\(index)",
                object: "pod/p",
                message: "m",
                at: Double(index),
                severity: severity
            )
        }
        let incident = Incident(
            id: "i",
            subject: Subject(kind: "deployment", namespace: "shop", name: "web"),
            startedAt: 0,
            cause: "unknown",
            summary: "",
            playbook: nil,
            confidence: 0.5,
            severity: .critical,
            evidence: evidence,
            proposals: [],
            explanation: ""
        )
        let data = try JSONEncoder().encode(IncidentDetail(incident, evidenceLimit: 4))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let names = (object["evidence"] as? [[String: Any]])?.compactMap {
            $0["name"] as? String ?? $0["reason"] as? String
        }
        // Critical (in the report's order), then warnings: the two infos are what the limit leaves out.
        #expect(names == ["E2", "E4", "E1", "E5"])
        #expect(object["evidence_omitted"] as? Int == 2)
    }
}
