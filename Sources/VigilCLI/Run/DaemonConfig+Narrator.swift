import VigilAssist
import VigilYAML
import Yams

extension DaemonConfig {
    /// `narrator:` — `url` and `model` required; `api_key_file` (relative to the configuration file),
    /// `timeout` (default 30s, at most 5m), `max_tokens` (default 400), and the budget of one run:
    /// `run_timeout` (default 2m, at most 1h) and `run_tokens` (default 4000). See `docs/AI.md`.
    static func readNarrator(
        _ node: Node,
        _ reader: ConfigReader,
        resolved: (String) -> String
    ) -> NarratorConfiguration? {
        let fields = reader.fields(
            node,
            "narrator",
            allowed: ["url", "model", "api_key_file", "timeout", "max_tokens", "run_timeout", "run_tokens"]
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
        for (field, bound) in [
            ("timeout", NarratorConfiguration.maxTimeout), ("run_timeout", NarratorConfiguration.maxRunTimeout),
        ] {
            guard let value = fields[field], let seconds = reader.seconds(value, "narrator.\(field)") else { continue }
            guard seconds <= bound else {
                reader.fail(value, "narrator.\(field)", "at most \(Int(bound))s")
                return nil
            }
            if field == "timeout" { configuration.timeout = seconds } else { configuration.runTimeout = seconds }
        }
        if let value = fields["max_tokens"], let tokens = reader.count(value, "narrator.max_tokens") {
            guard (1...32_768).contains(tokens) else {
                reader.fail(value, "narrator.max_tokens", "expected 1 to 32768")
                return nil
            }
            configuration.maxTokens = tokens
        }
        if let value = fields["run_tokens"], let tokens = reader.count(value, "narrator.run_tokens") {
            guard (1...1_000_000).contains(tokens) else {
                reader.fail(value, "narrator.run_tokens", "expected 1 to 1000000")
                return nil
            }
            configuration.runTokens = tokens
        }
        return configuration
    }
}
