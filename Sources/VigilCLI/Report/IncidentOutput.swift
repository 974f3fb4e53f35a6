import Foundation
import VigilEngine

/// `vigil diagnose --output json`: the incidents in the schema documented in docs/DIAGNOSIS.md.
enum IncidentOutput {
    /// `narrations` (with `--narrate`) go beside the incidents, under `narration`, never inside them.
    static func json(_ incidents: [Incident], now: Double, narrations: [IncidentNarration]? = nil) throws -> String {
        struct Document: Encodable {
            var status = "success"
            var now: String
            var incidents: [Incident]
            var narration: [IncidentNarration]?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(Document(now: Timestamp.utc(now), incidents: incidents, narration: narrations))
        return String(decoding: data, as: UTF8.self)
    }
}
