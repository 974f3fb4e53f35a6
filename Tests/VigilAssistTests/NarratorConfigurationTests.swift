import Testing
import VigilAssist

@testable import VigilCLI

/// The `narrator:` section of vigil.yaml: defaults, and each mistake named with its file, line and field.
@Suite struct NarratorConfigurationTests {
    @Test func readsTheSectionWithItsDefaults() throws {
        let config = try DaemonConfig.parse(
            """
            narrator:
              url: http://127.0.0.1:11434/v1/
              model: llama3.1:8b
              api_key_file: keys/llm
            """,
            file: "/etc/vigil/vigil.yaml"
        )
        let narrator = try #require(config.narrator)
        #expect(narrator.endpoint == "http://127.0.0.1:11434/v1/chat/completions")
        #expect(narrator.model == "llama3.1:8b")
        #expect(narrator.apiKeyFile == "/etc/vigil/keys/llm")
        #expect(narrator.timeout == 30 && narrator.maxTokens == 400)
        #expect(narrator.runTimeout == 120 && narrator.runTokens == 4000)
        #expect(try DaemonConfig.parse("diagnosis_interval: 30s", file: "v.yaml").narrator == nil)
    }

    @Test(arguments: [
        ("narrator:\n  model: m\n", "v.yaml:2:3: narrator.url: required"),
        ("narrator:\n  url: ftp://x\n  model: m\n", "v.yaml:2:8: narrator.url: expected an http:// or https:// URL"),
        ("narrator:\n  url: http://x\n", "narrator.model: required"),
        (
            "narrator:\n  url: http://x\n  model: m\n  timeout: 0s\n",
            "v.yaml:4:12: narrator.timeout: expected a duration like 15s"
        ),
        (
            "narrator:\n  url: http://x\n  model: m\n  max_tokens: 100000\n",
            "v.yaml:4:15: narrator.max_tokens: expected 1 to 32768"
        ),
        ("narrator:\n  url: http://x\n  model: m\n  temperature: 1\n", "v.yaml:4:3: narrator.temperature"),
        // A request, and a run, are bounded: a narrator stands beside the report, never in its way.
        ("narrator:\n  url: http://x\n  model: m\n  timeout: 10m\n", "v.yaml:4:12: narrator.timeout: at most 300s"),
        (
            "narrator:\n  url: http://x\n  model: m\n  run_timeout: 2h\n",
            "v.yaml:4:16: narrator.run_timeout: at most 3600s"
        ),
        ("narrator:\n  url: http://x\n  model: m\n  run_tokens: 0\n", "v.yaml:4:15: narrator.run_tokens"),
    ])
    func namesEachMistake(yaml: String, message: String) {
        #expect(throws: DaemonConfig.Invalid.self) { try DaemonConfig.parse(yaml, file: "v.yaml") }
        do {
            _ = try DaemonConfig.parse(yaml, file: "v.yaml")
        } catch {
            #expect(error.errors.contains { $0.contains(message) }, "\(error.errors)")
        }
    }
}
