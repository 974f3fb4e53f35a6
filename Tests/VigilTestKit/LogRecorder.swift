import Foundation
import Logging

/// A logger that keeps what it is given, for tests of what the log says.
public final class LogRecorder: @unchecked Sendable {
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: Logger.Metadata
    }

    private let lock = NSLock()
    private var kept: [Entry] = []

    public init() {}

    public var entries: [Entry] { lock.withLock { kept } }

    public var logger: Logger { Logger(label: "test") { _ in Handler(recorder: self) } }

    private func keep(_ entry: Entry) { lock.withLock { kept.append(entry) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.keep(Entry(level: event.level, message: "\(event.message)", metadata: event.metadata ?? [:]))
        }
    }
}
