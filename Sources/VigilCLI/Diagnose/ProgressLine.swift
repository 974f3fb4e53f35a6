import Foundation
import VigilHistory

/// A progress line on standard error while long queries run (`querying Prometheus: 12/40 requests,
/// 38 MB, 2,400 series`), rewritten in place; only when standard error is a terminal, so logs and
/// pipes see nothing of it.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled: Bool
    private let write: @Sendable (String) -> Void
    private var shown = false

    init(enabled: Bool, write: @escaping @Sendable (String) -> Void) {
        self.enabled = enabled
        self.write = write
    }

    /// Standard error's: on when it is a terminal.
    static func standardError() -> ProgressLine {
        ProgressLine(enabled: isatty(STDERR_FILENO) == 1) { Console.current.writeError($0) }
    }

    static func text(_ progress: HistoryProgress) -> String {
        let megabytes = Double(progress.bytes) / 1_048_576
        return "querying Prometheus: \(progress.queriesDone)/\(progress.queries) requests, "
            + String(format: "%.1f MB, %d series", megabytes, progress.series)
    }

    func update(_ progress: HistoryProgress) {
        guard enabled else { return }
        lock.withLock {
            shown = true
            write("\r\u{1B}[K" + Self.text(progress))
        }
    }

    /// Clears the line, so the report starts on a clean one.
    func finish() {
        guard enabled else { return }
        lock.withLock {
            if shown { write("\r\u{1B}[K") }
            shown = false
        }
    }
}
