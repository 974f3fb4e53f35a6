import Foundation

/// One JSON object of an answer, already encoded: the adapters encode Vigil's own types with their
/// public schema (`docs/DIAGNOSIS.md`), so an agent reads what `vigil diagnose --output json` prints.
public struct AssistItem: Sendable, Equatable {
    public var json: String

    public init(json: String) { self.json = json }

    /// `value` encoded as the API encodes it: sorted keys, slashes unescaped, non-finite numbers as text.
    public init(encoding value: some Encodable) throws(AssistError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "+Inf",
            negativeInfinity: "-Inf",
            nan: "NaN"
        )
        do {
            json = String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw AssistError("the answer could not be encoded as JSON: \(error)")
        }
    }
}
