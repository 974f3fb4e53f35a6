/// How far a history read has got, for a progress line.
public struct HistoryProgress: Sendable, Equatable {
    public var queriesDone: Int
    public var queries: Int
    public var bytes: Int
    public var series: Int

    public init(queriesDone: Int, queries: Int, bytes: Int, series: Int) {
        self.queriesDone = queriesDone
        self.queries = queries
        self.bytes = bytes
        self.series = series
    }
}

/// Where a history read spent its time, for `--timings` and the benchmark: waiting for answers (the
/// server's evaluation and the transfer, summed over requests, which overlap), reading them, and
/// stitching them into series.
public struct HistoryReadStats: Sendable, Equatable {
    public var requests = 0
    /// The API the answers came from: remote read, or `query_range` (asked for, or fallen back to).
    public var api = HistoryAPI.queryRange
    public var bytes = 0
    public var points = 0
    public var waitSeconds = 0.0
    public var parseSeconds = 0.0
    public var assembleSeconds = 0.0
    /// What Prometheus warned of, each with its query (at most ``keptWarnings``): a read it answered although
    /// part of the data was missing, whose history has holes.
    public var warnings: [String] = []
    public static let keptWarnings = 16

    /// `warnings` with `more` after them, up to ``keptWarnings`` in all.
    public static func warnings(_ warnings: [String], adding more: [String]) -> [String] {
        warnings + more.prefix(max(0, keptWarnings - warnings.count))
    }

    public init() {}
}

/// Why a history read failed: the query, and the server's or the reader's words.
public struct HistoryReadError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// The query asked for more than the server or the reader takes at once (an answer over the body
    /// limit, too many samples, out of time): a narrower one may pass.
    public var tooHeavy = false
}
