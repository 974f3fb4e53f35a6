import Foundation
import VigilAssist
import VigilEngine

/// `vigil diagnose --narrate`: each incident told to the configured model, masked, one at a time; the
/// answers shown after the evidence-based report, marked as a model's. The incidents and their
/// proposals are rendered before any model is asked, so nothing it says can reach them.
struct IncidentNarration: Encodable {
    var incident: String
    var workload: String
    /// The model's text, unmasked; nil when it failed.
    var text: String?
    /// Why there is no text.
    var error: String?

    enum CodingKeys: String, CodingKey {
        case incident, workload, error
        case text = "model_text"
    }

    /// Asks `narrator` about every incident, in order, within the run's budget on the process's clock.
    static func narrate(_ incidents: [Incident], with narrator: ChatNarrator) async -> [IncidentNarration] {
        await narrate(incidents, with: narrator, clock: ContinuousClock())
    }

    /// Asks `narrator` about every incident, in order, within the run's budget measured on `clock`.
    static func narrate<C: Clock>(
        _ incidents: [Incident],
        with narrator: ChatNarrator,
        clock: C
    ) async -> [IncidentNarration] where C.Duration == Duration {
        let told = await narrator.narrate(incidents.map { NarrationBrief($0) }, clock: clock)
        return zip(incidents, told).map { incident, told in
            var narration = IncidentNarration(incident: incident.id, workload: incident.subject.description)
            switch told {
            case .text(let text): narration.text = text
            case .failed(let reason): narration.error = reason
            }
            return narration
        }
    }

    static let heading = "Narrator (model-written from masked evidence; not evidence, proposes nothing)"

    /// A model's text as Markdown that links and loads nothing: `[`, `]`, `<` and `>` escaped. The text
    /// is unmasked after the model wrote it, so `![x](https://host/?n=NAME_1)` would carry a real name
    /// to any host once a viewer loads the image; escaped, it is text.
    static func inert(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\[]<>".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// The section after a text or Markdown report.
    static func render(_ narrations: [IncidentNarration], model: String, markdown: Bool) -> String {
        guard !narrations.isEmpty else { return "" }
        var text = markdown ? "\n## \(heading), model \(model)\n\n" : "\n\(heading), model \(model):\n"
        for narration in narrations {
            let body = narration.text ?? "no narration: \(narration.error ?? "")"
            if markdown {
                let line = inert(body.replacingOccurrences(of: "\n", with: " "))
                text += "- **\(narration.workload)** (`\(narration.incident)`): \(line)\n"
            } else {
                text += "  \(narration.workload) [\(narration.incident)]:\n"
                text += body.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)\n" }.joined()
            }
        }
        return text
    }
}
