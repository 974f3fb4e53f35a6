import Foundation
import VigilEngine

/// `vigil diagnose --output json`: the incidents in the schema documented in docs/DIAGNOSIS.md.
enum IncidentOutput {
    static func json(_ incidents: [Incident], now: Double) throws -> String {
        struct Document: Encodable {
            var status = "success"
            var now: String
            var incidents: [Incident]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(Document(now: Timestamp.utc(now), incidents: incidents))
        return String(decoding: data, as: UTF8.self)
    }
}
