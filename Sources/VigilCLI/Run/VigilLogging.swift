import Foundation
import Logging

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

    static func logfmt(_ fields: [(String, String)]) -> String {
        fields.map { key, value in
            let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.isNewline }
            guard needsQuotes else { return "\(key)=\(value)" }
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"",
                with: "\\\""
            )
            .replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(escaped)\""
        }.joined(separator: " ")
    }

    static func json(_ fields: [(String, String)]) -> String {
        let members = fields.map { key, value in
            let data = (try? JSONEncoder().encode([key: value])) ?? Data("{}".utf8)
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
        return "{" + members.joined(separator: ",") + "}"
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
