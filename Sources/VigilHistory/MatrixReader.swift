public import VigilCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the body of a Prometheus `query_range` answer in one pass, straight into series — no JSON
/// document is built: `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{…},
/// "values":[[1435781430.781,"1"],…]}]}}`, or `{"status":"error","errorType":…,"error":…}`.
///
/// A day of a namespace is millions of points, so the common spellings have fast paths: timestamps
/// are read as whole milliseconds (Prometheus's precision, and exactly what a replay computes), values
/// with at most 15 significant digits and no exponent by one exact division; anything else goes through
/// `strtod`. Hostile input — truncated, nested without end, wrong types, numbers too long — is refused
/// with the byte offset and the field (`data.result[3].values[17][1]`), never trapped on.
public struct MatrixReader: JSONReading {
    /// One series of the matrix: its labels (`__name__` included) and its points, oldest first.
    public struct Series: Sendable, Equatable {
        public var labels: [String: String]
        public var times: [Double]
        public var values: [Double]

        public init(labels: [String: String], times: [Double], values: [Double]) {
            self.labels = labels
            self.times = times
            self.values = values
        }
    }

    /// Why a body was refused: where, in which field, and what was wrong.
    public typealias ReadError = JSONReadError

    /// What the server answered: a matrix, or its own error (`bad_data`, `execution`, `timeout`…).
    public enum Answer: Sendable, Equatable {
        /// The series, and the server's `warnings`: an answer it gave although part of the data was not
        /// there (a remote-read store down, a Thanos store's partial response).
        case matrix([Series], warnings: [String])
        case failure(errorType: String, message: String)
    }

    /// A number or a value string longer than this is refused (Prometheus writes at most ~25 bytes).
    static let maximumNumberBytes = 64

    public let bytes: UnsafeBufferPointer<UInt8>
    public var position = 0
    private var expectedPoints: Int

    private init(_ bytes: UnsafeBufferPointer<UInt8>, expectedPoints: Int) {
        self.bytes = bytes
        self.expectedPoints = expectedPoints
    }

    /// Reads `body`. `expectedPoints` (the points the query asked for) sizes each series's arrays once.
    public static func read(_ body: [UInt8], expectedPoints: Int = 0) throws(ReadError) -> Answer {
        try body.withUnsafeBufferPointer { (buffer) throws(ReadError) -> Answer in
            var reader = MatrixReader(buffer, expectedPoints: max(0, min(expectedPoints, 11_001)))
            return try reader.document()
        }
    }

    // MARK: - Structure

    /// The most warnings kept of one answer.
    static let keptWarnings = 8

    private mutating func document() throws(ReadError) -> Answer {
        var status: String?
        var errorType = ""
        var errorMessage = ""
        var resultType: String?
        var series: [Series]?
        var warnings: [String] = []
        try object("") { (reader, key) throws(ReadError) in
            switch key {
            case "warnings":
                try reader.array("warnings") { (reader, index) throws(ReadError) in
                    // Prometheus writes strings; anything else is passed over.
                    reader.skipSpaces()
                    guard reader.position < reader.bytes.count, reader.bytes[reader.position] == UInt8(ascii: "\"")
                    else { return try reader.skipValue("warnings[\(index)]", depth: 1) }
                    let warning = try reader.string("warnings[\(index)]")
                    // A few, each cut short: they are for a person to read, not for a server to fill memory with.
                    if warnings.count < Self.keptWarnings { warnings.append(String(warning.prefix(512))) }
                }
            case "status": status = try reader.string("status")
            case "errorType": errorType = try reader.string("errorType")
            case "error": errorMessage = try reader.string("error")
            case "data":
                try reader.object("data") { (reader, key) throws(ReadError) in
                    switch key {
                    case "resultType": resultType = try reader.string("data.resultType")
                    case "result": series = try reader.result()
                    default: try reader.skipValue("data.\(key)", depth: 0)
                    }
                }
            default: try reader.skipValue(key, depth: 0)
            }
        }
        skipSpaces()
        guard position == bytes.count else { throw fail("", "unexpected text after the JSON object") }
        switch status {
        case "success":
            if let resultType, resultType != "matrix" {
                throw fail("data.resultType", "expected \"matrix\" (a range query's answer), got \"\(resultType)\"")
            }
            guard let series else { throw fail("data.result", "missing") }
            return .matrix(series, warnings: warnings)
        case "error":
            return .failure(errorType: errorType, message: errorMessage)
        case nil: throw fail("status", "missing")
        case let other?: throw fail("status", "expected \"success\" or \"error\", got \"\(other)\"")
        }
    }

    private mutating func result() throws(ReadError) -> [Series] {
        var list: [Series] = []
        try array("data.result") { (reader, index) throws(ReadError) in
            let field = "data.result[\(index)]"
            var labels: [String: String] = [:]
            var times: [Double] = []
            var values: [Double] = []
            times.reserveCapacity(reader.expectedPoints)
            values.reserveCapacity(reader.expectedPoints)
            try reader.object(field) { (reader, key) throws(ReadError) in
                switch key {
                case "metric":
                    try reader.object(field + ".metric") { (reader, name) throws(ReadError) in
                        labels[name] = try reader.string("\(field).metric.\(name)")
                    }
                case "values": try reader.points(field + ".values", &times, &values)
                case "value", "histogram":
                    throw reader.fail("\(field).\(key)", "an instant vector's sample, not a range query's matrix")
                default: try reader.skipValue("\(field).\(key)", depth: 0)
                }
            }
            // A short series gives back what was reserved for the whole range: thousands of short-lived
            // pods' series each held the range's capacity (720 points, 11.5 KB) until the read ended.
            if times.capacity > 2 * times.count + 16 {
                times = Self.fitted(times)
                values = Self.fitted(values)
            }
            list.append(Series(labels: labels, times: times, values: values))
        }
        return list
    }

    /// `points` in a buffer of their size (`Array(points[...])` may keep the same buffer).
    private static func fitted(_ points: [Double]) -> [Double] {
        var fitted: [Double] = []
        fitted.reserveCapacity(points.count)
        fitted.append(contentsOf: points)
        return fitted
    }

    /// `[[time, "value"], …]`; points out of time order or repeated are dropped, as a replay drops them.
    /// The hottest loop of a history read: field paths are only spelled out for an error.
    private mutating func points(_ field: String, _ times: inout [Double], _ values: inout [Double]) throws(ReadError) {
        func at(_ index: Int, _ suffix: String = "") -> String { "\(field)[\(index)]\(suffix)" }
        skipSpaces()
        try expect(UInt8(ascii: "["), field, "expected an array")
        skipSpaces()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return
        }
        var index = 0
        while true {
            skipSpaces()
            try expect(UInt8(ascii: "["), at(index), "expected a [time, \"value\"] pair")
            skipSpaces()
            let time = try timestamp(at(index, "[0]"))
            skipSpaces()
            try expect(UInt8(ascii: ","), at(index), "expected \",\" between time and value")
            skipSpaces()
            let value = try sampleValue(at(index, "[1]"))
            skipSpaces()
            try expect(UInt8(ascii: "]"), at(index), "expected \"]\" after the value")
            if time > (times.last ?? -.infinity) {
                times.append(time)
                values.append(value)
            }
            index += 1
            skipSpaces()
            guard position < bytes.count else { throw fail(field, "truncated: expected \",\" or \"]\"") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "]"), field, "expected \",\" or \"]\"")
            return
        }
    }

    // MARK: - Numbers

    /// A JSON number of seconds (`1435781430.781`), kept to the millisecond.
    private mutating func timestamp(_ field: @autoclosure () -> String) throws(ReadError) -> Double {
        let start = position
        var milliseconds: Int64 = 0
        var digits = 0
        var fractionDigits = 0
        var inFraction = false
        var fast = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if inFraction {
                    fractionDigits += 1
                    if fractionDigits > 3 { fast = false }
                }
                digits += 1
                if digits > 15 { fast = false }
                if fast { milliseconds = milliseconds * 10 + Int64(byte - UInt8(ascii: "0")) }
            } else if byte == UInt8(ascii: ".") && !inFraction {
                inFraction = true
            } else if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "e")
                || byte == UInt8(ascii: "E") || byte == UInt8(ascii: ".")
            {
                fast = false
            } else {
                break
            }
            position += 1
        }
        guard position > start else { throw fail(field(), "expected the sample's time as a number") }
        let seconds: Double
        if fast && digits > 0 {
            for _ in fractionDigits..<3 { milliseconds *= 10 }
            seconds = Double(milliseconds) / 1000
        } else {
            seconds = try parsed(start..<position, field())
        }
        // Years 1970 to 5138: anything else is no Prometheus timestamp, and would make the time grid absurd.
        guard seconds.isFinite, seconds >= 0, seconds < 1e11 else {
            throw fail(
                field(),
                "time \(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)) is out of range"
            )
        }
        return seconds
    }

    /// A sample value as Prometheus writes it: a string holding a decimal, `NaN`, `+Inf` or `-Inf`.
    private mutating func sampleValue(_ field: @autoclosure () -> String) throws(ReadError) -> Double {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
            throw fail(field(), "expected the sample's value as a string (\"1.5\", \"NaN\", \"+Inf\")")
        }
        position += 1
        let start = position
        var mantissa: Int64 = 0
        var significant = 0
        var fractionDigits = 0
        var inFraction = false
        var negative = false
        var fast = true
        while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
            let byte = bytes[position]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if significant > 0 || byte != UInt8(ascii: "0") { significant += 1 }
                if significant > 15 { fast = false }
                if inFraction { fractionDigits += 1 }
                if fast { mantissa = mantissa * 10 + Int64(byte - UInt8(ascii: "0")) }
            } else if byte == UInt8(ascii: ".") && !inFraction {
                inFraction = true
            } else if byte == UInt8(ascii: "-") && position == start {
                negative = true
            } else {
                fast = false
            }
            position += 1
            guard position - start <= Self.maximumNumberBytes else { throw fail(field(), "value too long") }
        }
        guard position < bytes.count else { throw fail(field(), "unterminated string") }
        let end = position
        position += 1
        let digitsSeen = end - start - (negative ? 1 : 0) - (inFraction ? 1 : 0)
        if fast && digitsSeen > 0 && fractionDigits <= 22 {
            // Exact: the mantissa is below 2^53 and 10^k (k ≤ 22) is a double, so one division rounds once.
            let magnitude = fractionDigits == 0 ? Double(mantissa) : Double(mantissa) / Self.powersOfTen[fractionDigits]
            return negative ? -magnitude : magnitude
        }
        switch String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            // Only the characters of a decimal: strtod would also take hex, "infinity" and spaces.
            for byte in bytes[start..<end] {
                let allowed =
                    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "e")
                    || byte == UInt8(ascii: "E")
                guard allowed else {
                    throw fail(
                        field(),
                        "not a number: \"\(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))\""
                    )
                }
            }
            return try parsed(start..<end, field())
        }
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var power = 1.0
        for _ in 0..<exponent { power *= 10 }
        return power
    }

    /// `strtod` on a bounded copy (the body is not NUL-terminated), which must consume every byte.
    private func parsed(_ range: Range<Int>, _ field: @autoclosure () -> String) throws(ReadError) -> Double {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        guard range.count <= Self.maximumNumberBytes else { throw fail(field(), "number too long") }
        var end: UnsafeMutablePointer<CChar>?
        let value = text.withCString { pointer -> Double? in
            let number = strtod(pointer, &end)
            return end.map { $0 - UnsafeMutablePointer(mutating: pointer) } == range.count && range.count > 0
                ? number : nil
        }
        guard let value else { throw fail(field(), "not a number: \"\(text)\"") }
        return value
    }
}
