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
    public init(openMetrics bytes: [UInt8], file: String) throws(ParseError) {
        var parser = ExpositionParser(bytes: bytes, format: .openMetrics, limits: .default)
        var index: [[String: String]: Int] = [:]
        do {
            while let entry = try parser.next() {
                guard entry == .sample else { continue }
                guard let milliseconds = parser.timestamp else {
                    throw ParseError(description: "\(file):\(parser.currentLine): a recorded sample needs a timestamp")
                }
                var labels = Dictionary(parser.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
                labels["__name__"] = parser.metricName
                let time = Double(milliseconds) / 1000
                let position: Int
                if let known = index[labels] {
                    position = known
                } else {
                    position = series.count
                    index[labels] = position
                    series.append(Series(labels: labels, type: parser.metricType, times: [], values: []))
                }
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

    /// Adds one series (for histories read from elsewhere, and for tests).
    public mutating func append(_ added: Series) {
        series.append(added)
        if let last = added.times.last { end = max(end, last) }
        if let first = added.times.first { start = min(start, first) }
    }
}
