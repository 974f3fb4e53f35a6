import Foundation
import VigilCore

/// Recorded series in memory: every point of every series of an OpenMetrics text with a timestamp on
/// each sample (a recorded scenario's `metrics.om`, or what Prometheus's `query_range` answered).
public struct MetricHistory: Sendable {
    /// One series: its labels (`__name__` included), its family's type, and its points, oldest first.
    public struct Series: Sendable {
        public var labels: [String: String]
        public var type: MetricType
        public var times: [Double]
        public var values: [Double]

        public var name: String { labels["__name__"] ?? "" }

        /// Whether the series counts up, so diagnosis reads its rate: a counter, a `_total`, or a
        /// histogram's or summary's `_count` and `_sum`, also where the type is not known (`query_range`
        /// and remote read say nothing of types) or is the one of another family (a recording's last
        /// `# TYPE`); never a series typed a gauge. The daemon's recorder, a replay and Prometheus's
        /// history read a series alike (an error ratio of `_count`s divided lifetime totals on the last
        /// two).
        public var isCumulative: Bool {
            if type == .counter || name.hasSuffix("_total") { return true }
            guard name.hasSuffix("_count") || name.hasSuffix("_sum") else { return false }
            return type != .gauge && type != .gaugehistogram
        }

        /// The role a scrape would give the series, from its type or else its name: a series read from
        /// elsewhere (Prometheus's history, a recording) and its scraped continuation must be the same
        /// kind of series.
        public var sampleRole: SampleRole {
            if isCumulative { return .cumulative }
            return name.hasSuffix("_bucket") ? .skipped : .gauge
        }

        /// `times` ascending, one value per time.
        public init(labels: [String: String], type: MetricType, times: [Double], values: [Double]) {
            self.labels = labels
            self.type = type
            self.times = times
            self.values = values
        }
    }

    public private(set) var series: [Series] = []
    /// The latest timestamp seen: the end of the recording.
    public private(set) var end: Double = -.infinity
    public private(set) var start: Double = .infinity

    public init() {}

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parses `bytes` (OpenMetrics 1.0); a sample without a timestamp is refused, since its time would
    /// be a guess. Points of one series are kept in time order; repeats of a timestamp are dropped.
    /// Only series `keep` accepts (judged once per series) are kept: a replay needs the series its rules
    /// select, not every series of the recording.
    public init(
        openMetrics bytes: [UInt8],
        file: String,
        keeping keep: ([String: String]) -> Bool = { _ in true }
    ) throws(ParseError) {
        var parser = ExpositionParser(bytes: bytes, format: .openMetrics, limits: .default)
        // A series is found by the bytes it is written with (hashed, then compared), and only a new
        // spelling has its labels lexed: a day of a namespace is hundreds of thousands of samples.
        var bySpelling: [UInt64: [(spelling: [UInt8], position: Int)]] = [:]
        var byLabels: [[String: String]: Int] = [:]
        do {
            while let entry = try parser.next() {
                guard entry == .sample else { continue }
                guard let milliseconds = parser.timestamp else {
                    throw ParseError(description: "\(file):\(parser.currentLine): a recorded sample needs a timestamp")
                }
                let (hash, known) = parser.withSeriesBytes { spelling in
                    let hash = FNV1a.hash(spelling)
                    let match = bySpelling[hash]?.first { Self.same($0.spelling, spelling) }
                    return (hash, match?.position)
                }
                let position: Int
                if let known {
                    position = known
                } else {
                    var labels = Dictionary(parser.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
                    labels["__name__"] = parser.metricName
                    if let same = byLabels[labels] {
                        position = same
                    } else if !keep(labels) {
                        position = -1
                        byLabels[labels] = position
                    } else {
                        position = series.count
                        byLabels[labels] = position
                        series.append(Series(labels: labels, type: parser.metricType, times: [], values: []))
                    }
                    bySpelling[hash, default: []].append((parser.withSeriesBytes { Array($0) }, position))
                }
                guard position >= 0 else { continue }
                let time = Double(milliseconds) / 1000
                if let last = series[position].times.last, time <= last { continue }
                series[position].times.append(time)
                series[position].values.append(parser.value)
                end = max(end, time)
                start = min(start, time)
            }
        } catch let error as ParseError {
            throw error
        } catch {
            throw ParseError(description: (error as? ExpositionError)?.rendered(file: file) ?? "\(file): \(error)")
        }
    }

    /// Byte equality by memcmp: the generic `elementsEqual` was a tenth of a day's replay.
    private static func same(_ known: [UInt8], _ spelling: UnsafeBufferPointer<UInt8>) -> Bool {
        known.count == spelling.count
            && known.withUnsafeBufferPointer { knownBytes in
                guard let left = knownBytes.baseAddress, let right = spelling.baseAddress else { return true }
                return memcmp(left, right, spelling.count) == 0
            }
    }

    /// Adds one series (for histories read from elsewhere, and for tests).
    public mutating func append(_ added: Series) {
        series.append(added)
        if let last = added.times.last { end = max(end, last) }
        if let first = added.times.first { start = min(start, first) }
    }
}
