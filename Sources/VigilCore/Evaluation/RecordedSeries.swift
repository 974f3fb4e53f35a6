/// A `timestamp,value` CSV as NAB ships it: one sample per row, kept in file order.
public struct RecordedSeries: Sendable {
    /// Each row's timestamp exactly as written, so output can echo it.
    public var timestampTexts: [String]
    /// Seconds since the epoch.
    public var timestamps: [Double]
    public var values: [Double]
    /// Rows whose timestamp is not after the row's before (a duplicate, an hour repeated at a change from
    /// daylight saving time, a clock stepped back; six of NAB's own files have such rows): kept and scored
    /// in file order, as a live scrape would take them, and counted so that `vigil detect` can say so.
    public var stepsBack = 0
    /// The first such row: its line, and the timestamps of it and of the row before, as written.
    public var firstStepBack: (line: Int, timestamp: String, previous: String)?

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "\(line): \(message)" }
    }

    /// Reads the CSV; the header must be `timestamp,value` (further columns are ignored).
    public init(csv bytes: [UInt8]) throws(ParseError) {
        timestampTexts = []
        timestamps = []
        values = []
        var lineNumber = 0
        // Split on bytes: as Characters, "\r\n" is one grapheme and would never match "\n".
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = rawLine.last == UInt8(ascii: "\r") ? rawLine.dropLast() : rawLine
            let line = Substring(decoding: trimmed, as: UTF8.self)
            if lineNumber == 1 {
                guard line.hasPrefix("timestamp,value") else {
                    throw ParseError(
                        line: 1,
                        message: "expected the header \"timestamp,value\", got \"\(line.prefix(60))\""
                    )
                }
                continue
            }
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count >= 2 else {
                throw ParseError(line: lineNumber, message: "expected timestamp,value, got \"\(line.prefix(60))\"")
            }
            guard let seconds = TimestampParser.seconds(fields[0]) else {
                throw ParseError(line: lineNumber, message: "invalid timestamp \"\(fields[0].prefix(40))\"")
            }
            guard let value = Double(fields[1]), value.isFinite else {
                throw ParseError(line: lineNumber, message: "invalid value \"\(fields[1].prefix(40))\"")
            }
            if let previous = timestamps.last, seconds <= previous {
                stepsBack += 1
                if firstStepBack == nil {
                    firstStepBack = (lineNumber, String(fields[0]), timestampTexts[timestampTexts.count - 1])
                }
            }
            timestampTexts.append(String(fields[0]))
            timestamps.append(seconds)
            values.append(value)
        }
    }
}
