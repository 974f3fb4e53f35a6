import Foundation
import Logging
import VigilHTTP

/// Vigil's log lines: logfmt by default (`ts=… level=info msg="…" key=value`), one JSON object per line
/// on request, on standard error, each line written whole so lines from many tasks never interleave.
struct VigilLogging: LogHandler {
    static let levels = Logger.Level.allCases.map(\.rawValue)

    let label: String
    let json: Bool
    let console: Console
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", Self.timestamp()), ("level", event.level.rawValue), ("msg", event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        fields += merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value.description) }
        console.writeError((json ? Self.json(fields) : Self.logfmt(fields)) + "\n")
    }

    /// `key=value`, the value quoted where it must be — empty, or holding a blank, `=`, `"` or any other
    /// character at or below the space — and then escaped as go-logfmt escapes it, as a JSON string is
    /// (`String.jsonLiteral`): a value from outside (a scrape's error, a label) can neither end the line
    /// nor, with a carriage return or a terminal's escape, hide what follows.
    static func logfmt(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            let needsQuotes =
                value.isEmpty || value.unicodeScalars.contains { $0.value <= 0x20 || $0 == "=" || $0 == "\"" }
            return "\(key)=" + (needsQuotes ? value.jsonLiteral : value)
        }.joined(separator: " ")
    }

    /// One JSON object, the fields in order, each value a string written as `String.jsonLiteral` writes it
    /// (a `/` as it is: JSONEncoder wrote `\/` in every path).
    static func json(_ fields: [(String, String)]) -> String {
        "{" + fields.map { $0.jsonLiteral + ":" + $1.jsonLiteral }.joined(separator: ",") + "}"
    }

    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    private static func timestamp() -> String { timeFormat.format(Date()) }

    /// Routes every logger of the process through Vigil's handler (once per process: swift-log allows a
    /// single bootstrap; later calls only change the level and format seen by new loggers).
    static func logger(format: DaemonConfig.LogFormat, level: String) -> Logger {
        let console = Console.current
        let logLevel = Logger.Level(rawValue: level) ?? .info
        return Logger(label: "vigil") { label in
            VigilLogging(label: label, json: format == .json, console: console, logLevel: logLevel)
        }
    }
}
