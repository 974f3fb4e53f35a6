import ArgumentParser
import Foundation
import VigilHTTP
import VigilHistory
import VigilKube
import VigilYAML

/// `--prometheus URL` and what a range read needs: the stretch of time, the step, which series, and the
/// scrape-style connection options (bearer token, basic auth, TLS).
struct PrometheusOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("Prometheus's URL (with any path prefix): read history from its HTTP API.", valueName: "url")
    )
    var prometheus: String?

    @Option(
        name: .customLong("since"),
        help: ArgumentHelp(
            "Start of the history: a duration before --until (1h, 6h), RFC 3339, or Unix seconds. Default: 1h.",
            valueName: "time"
        )
    )
    var sinceGiven: String?

    /// `--since`, or its default.
    var since: String { sinceGiven ?? "1h" }

    @Option(
        help: ArgumentHelp(
            "End of the history, \"now\" of the diagnosis: RFC 3339 or Unix seconds. Default: now.",
            valueName: "time"
        )
    )
    var until: String?

    @Option(
        name: .customLong("step"),
        help: ArgumentHelp(
            "Resolution (15s, 30s): best the scrape interval. Raised when the range would need over 11,000 points. "
                + "Default: 15s.",
            valueName: "duration"
        )
    )
    var stepGiven: String?

    /// `--step`, or its default.
    var step: String { stepGiven ?? "15s" }

    @Option(
        name: .customLong("match"),
        help: ArgumentHelp("A series selector to read instead of the rules' own (repeatable).", valueName: "selector")
    )
    var matches: [String] = []

    @Option(
        name: .customLong("concurrency"),
        help: ArgumentHelp("Requests to Prometheus in flight at once. Default: 4.", valueName: "n")
    )
    var concurrencyGiven: Int?

    /// `--concurrency`, or its default.
    var concurrency: Int { concurrencyGiven ?? 4 }

    @Option(
        name: .customLong("prometheus-api"),
        help: ArgumentHelp(
            """
            How to read history: remote-read (the stored samples as streamed chunks, stepped here as PromQL \
            steps them: several times faster), query-range (Prometheus evaluates every step and answers JSON), \
            or auto (remote read, query_range where the server does not offer it). Default: auto.
            """,
            valueName: "api"
        )
    )
    var apiGiven: String?

    /// `--prometheus-api`, or its default.
    var api: String { apiGiven ?? HistoryAPI.auto.rawValue }

    @Option(
        name: .customLong("prometheus-bearer-token-file"),
        help: ArgumentHelp("Bearer token file (re-read per request).", valueName: "file")
    )
    var bearerTokenFile: String?

    @Option(name: .customLong("prometheus-username"), help: ArgumentHelp("Basic auth user.", valueName: "name"))
    var username: String?

    @Option(
        name: .customLong("prometheus-password-file"),
        help: ArgumentHelp("Basic auth password file.", valueName: "file")
    )
    var passwordFile: String?

    @Option(name: .customLong("prometheus-ca-file"), help: ArgumentHelp("CA bundle to trust (PEM).", valueName: "file"))
    var caFile: String?

    @Option(
        name: .customLong("prometheus-cert-file"),
        help: ArgumentHelp("Client certificate (PEM).", valueName: "file")
    )
    var certFile: String?

    @Option(name: .customLong("prometheus-key-file"), help: ArgumentHelp("Client key (PEM).", valueName: "file"))
    var keyFile: String?

    @Flag(name: .customLong("prometheus-insecure-skip-verify"), help: "Do not verify Prometheus's certificate.")
    var insecureSkipVerify = false

    /// The options given that say what to read from Prometheus and how: a replay, which reads its recording
    /// whole, refuses them rather than ignore them.
    var optionsGiven: [String] {
        let given: [(String, Any?)] = [
            ("--since", sinceGiven), ("--until", until), ("--step", stepGiven), ("--concurrency", concurrencyGiven),
            ("--prometheus-api", apiGiven), ("--prometheus-bearer-token-file", bearerTokenFile),
            ("--prometheus-username", username), ("--prometheus-password-file", passwordFile),
            ("--prometheus-ca-file", caFile), ("--prometheus-cert-file", certFile), ("--prometheus-key-file", keyFile),
        ]
        return given.compactMap { $0.1 == nil ? nil : $0.0 } + (matches.isEmpty ? [] : ["--match"])
            + (insecureSkipVerify ? ["--prometheus-insecure-skip-verify"] : [])
    }

    /// `[since, until]` in seconds since the epoch, `now` being the current time.
    func range(now: Double) throws(ValidationError) -> (start: Double, end: Double) {
        let end =
            try until.map { text throws(ValidationError) in try Self.time(text, option: "--until", now: now) } ?? now
        let start: Double
        if let seconds = DurationSyntax.seconds(since) {
            start = end - seconds
        } else {
            start = try Self.time(since, option: "--since", now: now)
        }
        guard start < end else { throw ValidationError("--since must be before --until") }
        return (start, end)
    }

    func stepSeconds() throws(ValidationError) -> Double {
        guard let seconds = DurationSyntax.seconds(step), seconds >= 0.001 else {
            throw ValidationError("--step: expected a duration like 15s or 1m, got \"\(step)\"")
        }
        return seconds
    }

    /// The end of year 9999: a later time does not fit Prometheus's milliseconds, nor RFC 3339.
    static let latestTime = 253_402_300_799.0

    /// RFC 3339 or Unix seconds, from the epoch to the end of year 9999.
    static func time(_ text: String, option: String, now: Double) throws(ValidationError) -> Double {
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 {
            guard seconds <= latestTime else {
                throw ValidationError("\(option): \(text) is after the year 9999 (at most \(Int(latestTime)))")
            }
            return seconds
        }
        if let seconds = KubeTime.seconds(text), seconds >= 0, seconds <= latestTime { return seconds }
        throw ValidationError(
            "\(option): expected RFC 3339 (2026-11-30T00:00:00Z), Unix seconds or a duration, got \"\(text)\""
        )
    }

    /// The source these options name (`url` already checked to be set).
    func source(url: String) throws(ValidationError) -> PrometheusSource {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ValidationError("--prometheus: expected an http:// or https:// URL, got \"\(url)\"")
        }
        guard concurrency >= 1, concurrency <= 64 else { throw ValidationError("--concurrency: expected 1 to 64") }
        guard let historyAPI = HistoryAPI(rawValue: api) else {
            let known = HistoryAPI.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--prometheus-api: expected one of \(known), got \"\(api)\"")
        }
        var authorization: Authorization?
        if let bearerTokenFile { authorization = .bearerFile(bearerTokenFile) }
        if let username {
            guard authorization == nil else {
                throw ValidationError("at most one of --prometheus-bearer-token-file and --prometheus-username")
            }
            var password = ""
            if let passwordFile {
                guard let data = FileManager.default.contents(atPath: passwordFile) else {
                    throw ValidationError("--prometheus-password-file: cannot read \(passwordFile)")
                }
                password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            authorization = .basic(username: username, password: password)
        }
        let tls = TLSConfiguration(
            caFile: caFile,
            certificateFile: certFile,
            keyFile: keyFile,
            insecureSkipVerify: insecureSkipVerify
        )
        return PrometheusSource(
            url: url,
            authorization: authorization,
            tls: tls,
            concurrency: concurrency,
            api: historyAPI
        )
    }
}
