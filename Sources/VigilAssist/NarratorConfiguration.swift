/// The `narrator:` section of Vigil's configuration: an OpenAI-compatible chat-completions endpoint
/// (Ollama, vLLM, llama.cpp's server, a hosted API). Off unless a URL is given.
public struct NarratorConfiguration: Sendable, Equatable {
    /// The API's base (`http://127.0.0.1:11434/v1`): `/chat/completions` is appended.
    public var url: String
    public var model: String
    /// A file holding the API key, sent as a bearer token and re-read per request; nil for none.
    public var apiKeyFile: String?
    /// Seconds for the whole request; past it the evidence-based report stands alone.
    public var timeout: Double
    /// The answer's budget (`max_tokens`).
    public var maxTokens: Int
    /// Seconds for all of one run's requests (`vigil diagnose --narrate` tells every incident): past it
    /// the rest are not sent.
    public var runTimeout: Double
    /// Tokens for all of one run's requests: each costs the answer's `usage.total_tokens`, or the
    /// `max_tokens` it asked for when the server does not count.
    public var runTokens: Int

    /// The longest `timeout` and `run_timeout` accepted: a narrator is beside the report, not in its way.
    public static let maxTimeout: Double = 300
    public static let maxRunTimeout: Double = 3600

    public init(
        url: String,
        model: String,
        apiKeyFile: String? = nil,
        timeout: Double = 30,
        maxTokens: Int = 400,
        runTimeout: Double = 120,
        runTokens: Int = 4000
    ) {
        self.url = url
        self.model = model
        self.apiKeyFile = apiKeyFile
        self.timeout = timeout
        self.maxTokens = maxTokens
        self.runTimeout = runTimeout
        self.runTokens = runTokens
    }

    /// `…/v1` + `/chat/completions`, one slash between.
    public var endpoint: String {
        (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/chat/completions"
    }
}
