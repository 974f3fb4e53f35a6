import VigilAssist
import VigilYAML
import Yams

extension DaemonConfig {
    /// `narrator:` — `url` and `model` required; `api_key_file` (relative to the configuration file),
    /// `timeout` (default 30s) and `max_tokens` (default 400). See `docs/AI.md`.
    static func readNarrator(
        _ node: Node,
        _ reader: ConfigReader,
        resolved: (String) -> String
    ) -> NarratorConfiguration? {
        let fields = reader.fields(
            node,
            "narrator",
            allowed: ["url", "model", "api_key_file", "timeout", "max_tokens"]
        )
        guard let urlNode = fields["url"], let url = reader.string(urlNode, "narrator.url") else {
            reader.fail(
                node,
                "narrator.url",
                "required: the chat-completions API's base, like http://127.0.0.1:11434/v1"
            )
            return nil
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            reader.fail(urlNode, "narrator.url", "expected an http:// or https:// URL, got \"\(url)\"")
            return nil
        }
        guard let modelNode = fields["model"], let model = reader.string(modelNode, "narrator.model"), !model.isEmpty
        else {
            reader.fail(fields["model"] ?? node, "narrator.model", "required: the model's name, like llama3.1:8b")
            return nil
        }
        var configuration = NarratorConfiguration(url: url, model: model)
        if let value = fields["api_key_file"], let path = reader.string(value, "narrator.api_key_file") {
            configuration.apiKeyFile = resolved(path)
        }
        // The reader refuses a zero or negative duration itself.
        if let value = fields["timeout"], let seconds = reader.seconds(value, "narrator.timeout") {
            configuration.timeout = seconds
        }
        if let value = fields["max_tokens"], let tokens = reader.count(value, "narrator.max_tokens") {
            guard (1...32_768).contains(tokens) else {
                reader.fail(value, "narrator.max_tokens", "expected 1 to 32768")
                return nil
            }
            configuration.maxTokens = tokens
        }
        return configuration
    }
}
