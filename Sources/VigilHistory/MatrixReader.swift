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
public struct MatrixReader {
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
    public struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
        /// 0-based byte offset into the body.
        public var offset: Int
        /// The JSON path of the field (`data.result[0].values[3][1]`).
        public var field: String
        public var message: String

        public var description: String { "byte \(offset): \(field): \(message)" }
    }

    /// What the server answered: a matrix, or its own error (`bad_data`, `execution`, `timeout`…).
    public enum Answer: Sendable, Equatable {
        case matrix([Series])
        case failure(errorType: String, message: String)
    }

    /// Nesting deeper than this in a skipped value is refused: a body of a million `[` must not
    /// overflow the stack.
    static let maximumDepth = 64
    /// A number or a value string longer than this is refused (Prometheus writes at most ~25 bytes).
    static let maximumNumberBytes = 64

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
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

    private mutating func document() throws(ReadError) -> Answer {
        var status: String?
        var errorType = ""
        var errorMessage = ""
        var resultType: String?
        var series: [Series]?
        try object("") { (reader, key) throws(ReadError) in
            switch key {
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
            return .matrix(series)
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
            list.append(Series(labels: labels, times: times, values: values))
        }
        return list
    }

    /// `[[time, "value"], …]`; points out of time order or repeated are dropped, as a replay drops them.
    private mutating func points(_ field: String, _ times: inout [Double], _ values: inout [Double]) throws(ReadError) {
        try array(field) { (reader, index) throws(ReadError) in
            let pointField = "\(field)[\(index)]"
            try reader.expect(UInt8(ascii: "["), pointField, "expected a [time, \"value\"] pair")
            reader.skipSpaces()
            let time = try reader.timestamp(pointField + "[0]")
            reader.skipSpaces()
            try reader.expect(UInt8(ascii: ","), pointField, "expected \",\" between time and value")
            reader.skipSpaces()
            let value = try reader.sampleValue(pointField + "[1]")
            reader.skipSpaces()
            try reader.expect(UInt8(ascii: "]"), pointField, "expected \"]\" after the value")
            if let last = times.last, time <= last { return }
            times.append(time)
            values.append(value)
        }
    }

    // MARK: - Numbers

    /// A JSON number of seconds (`1435781430.781`), kept to the millisecond.
    private mutating func timestamp(_ field: String) throws(ReadError) -> Double {
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
        guard position > start else { throw fail(field, "expected the sample's time as a number") }
        let seconds: Double
        if fast && digits > 0 {
            for _ in fractionDigits..<3 { milliseconds *= 10 }
            seconds = Double(milliseconds) / 1000
        } else {
            seconds = try parsed(start..<position, field)
        }
        // Years 1970 to 5138: anything else is no Prometheus timestamp, and would make the time grid absurd.
        guard seconds.isFinite, seconds >= 0, seconds < 1e11 else {
            throw fail(
                field,
                "time \(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)) is out of range"
            )
        }
        return seconds
    }

    /// A sample value as Prometheus writes it: a string holding a decimal, `NaN`, `+Inf` or `-Inf`.
    private mutating func sampleValue(_ field: String) throws(ReadError) -> Double {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
            throw fail(field, "expected the sample's value as a string (\"1.5\", \"NaN\", \"+Inf\")")
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
            guard position - start <= Self.maximumNumberBytes else { throw fail(field, "value too long") }
        }
        guard position < bytes.count else { throw fail(field, "unterminated string") }
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
                        field,
                        "not a number: \"\(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))\""
                    )
                }
            }
            return try parsed(start..<end, field)
        }
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var power = 1.0
        for _ in 0..<exponent { power *= 10 }
        return power
    }

    /// `strtod` on a bounded copy (the body is not NUL-terminated), which must consume every byte.
    private func parsed(_ range: Range<Int>, _ field: String) throws(ReadError) -> Double {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        guard range.count <= Self.maximumNumberBytes else { throw fail(field, "number too long") }
        var end: UnsafeMutablePointer<CChar>?
        let value = text.withCString { pointer -> Double? in
            let number = strtod(pointer, &end)
            return end.map { $0 - UnsafeMutablePointer(mutating: pointer) } == range.count && range.count > 0
                ? number : nil
        }
        guard let value else { throw fail(field, "not a number: \"\(text)\"") }
        return value
    }

    // MARK: - JSON scanning

    private mutating func skipSpaces() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
            default: return
            }
        }
    }

    private func fail(_ field: String, _ message: String) -> ReadError {
        ReadError(offset: position, field: field.isEmpty ? "(document)" : field, message: message)
    }

    private mutating func expect(_ byte: UInt8, _ field: String, _ message: String) throws(ReadError) {
        guard position < bytes.count else { throw fail(field, "truncated: \(message)") }
        guard bytes[position] == byte else { throw fail(field, message) }
        position += 1
    }

    /// `{ "key": value, … }`, handing each key to `member`, which must read its value.
    private mutating func object(
        _ field: String,
        _ member: (inout MatrixReader, String) throws(ReadError) -> Void
    ) throws(ReadError) {
        skipSpaces()
        try expect(UInt8(ascii: "{"), field, "expected an object")
        skipSpaces()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            skipSpaces()
            let key = try string(field.isEmpty ? "(key)" : field + " key")
            skipSpaces()
            try expect(UInt8(ascii: ":"), field, "expected \":\" after a key")
            skipSpaces()
            try member(&self, key)
            skipSpaces()
            guard position < bytes.count else { throw fail(field, "truncated: expected \",\" or \"}\"") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "}"), field, "expected \",\" or \"}\"")
            return
        }
    }

    /// `[ value, … ]`, handing each element's index to `element`, which must read it.
    private mutating func array(
        _ field: String,
        _ element: (inout MatrixReader, Int) throws(ReadError) -> Void
    ) throws(ReadError) {
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
            try element(&self, index)
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

    /// A JSON string, unescaped (`\uXXXX` with surrogate pairs included).
    private mutating func string(_ field: String) throws(ReadError) -> String {
        skipSpaces()
        try expect(UInt8(ascii: "\""), field, "expected a string")
        let start = position
        // The common case: no escapes, one copy.
        while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
            position += 1
        }
        guard position < bytes.count else { throw fail(field, "truncated: unterminated string") }
        if bytes[position] == UInt8(ascii: "\"") {
            position += 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position - 1]), as: UTF8.self)
        }
        var text = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: text, as: UTF8.self) }
            guard byte == UInt8(ascii: "\\") else {
                text.append(byte)
                continue
            }
            guard position < bytes.count else { break }
            let escaped = bytes[position]
            position += 1
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escaped)
            case UInt8(ascii: "n"): text.append(10)
            case UInt8(ascii: "t"): text.append(9)
            case UInt8(ascii: "r"): text.append(13)
            case UInt8(ascii: "b"): text.append(8)
            case UInt8(ascii: "f"): text.append(12)
            case UInt8(ascii: "u"):
                var scalar = try hex4(field)
                if (0xD800..<0xDC00).contains(scalar), position + 1 < bytes.count,
                    bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                {
                    position += 2
                    let low = try hex4(field)
                    guard (0xDC00..<0xE000).contains(low) else { throw fail(field, "invalid surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                text += Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
            default: throw fail(field, "invalid escape \"\\\(Character(Unicode.Scalar(escaped)))\"")
            }
        }
        throw fail(field, "truncated: unterminated string")
    }

    private mutating func hex4(_ field: String) throws(ReadError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail(field, "truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail(field, "invalid \\u escape")
            }
            value = value * 16 + UInt32(digit)
            position += 1
        }
        return value
    }

    /// Any JSON value, read and dropped (fields this reader does not use, such as `warnings`).
    private mutating func skipValue(_ field: String, depth: Int) throws(ReadError) {
        guard depth < Self.maximumDepth else { throw fail(field, "nested deeper than \(Self.maximumDepth) levels") }
        skipSpaces()
        guard position < bytes.count else { throw fail(field, "truncated: expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            try object(field) { (reader, key) throws(ReadError) in try reader.skipValue(field, depth: depth + 1) }
        case UInt8(ascii: "["):
            try array(field) { (reader, _) throws(ReadError) in try reader.skipValue(field, depth: depth + 1) }
        case UInt8(ascii: "\""): _ = try string(field)
        default:
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                let scalar = Character(Unicode.Scalar(byte))
                guard
                    scalar.isLetter || scalar.isNumber || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
                        || byte == UInt8(ascii: ".")
                else { break }
                position += 1
            }
            guard position > start else { throw fail(field, "expected a value") }
        }
    }
}
