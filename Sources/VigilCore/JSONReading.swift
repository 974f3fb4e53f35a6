/// Why a JSON body was refused: where, in which field, and what was wrong.
public struct JSONReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 0-based byte offset into the body.
    public var offset: Int
    /// The JSON path of the field (`data.result[0].values[3][1]`, `alerts[2].labels`).
    public var field: String
    public var message: String

    public init(offset: Int, field: String, message: String) {
        self.offset = offset
        self.field = field
        self.message = message
    }

    public var description: String { "byte \(offset): \(field): \(message)" }
}

/// The JSON grammar under Vigil's one-pass readers (a `query_range` answer, an Alertmanager webhook):
/// objects and arrays handed to closures member by member, strings with every escape, and any other
/// value skipped within a bounded depth. A reader supplies the bytes and its position and reads its own
/// document's fields straight into its own types — no document tree, no `Codable` machinery, and
/// hostile input (truncated, nested without end, wrong types) refused with the byte offset and field.
public protocol JSONReading {
    var bytes: UnsafeBufferPointer<UInt8> { get }
    var position: Int { get set }
}

extension JSONReading {
    /// Nesting deeper than this in a skipped value is refused: a body of a million `[` must not
    /// overflow the stack.
    public static var maximumDepth: Int { 64 }

    @inlinable
    public mutating func skipSpaces() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
            default: return
            }
        }
    }

    @inlinable
    public func fail(_ field: String, _ message: String) -> JSONReadError {
        JSONReadError(offset: position, field: field.isEmpty ? "(document)" : field, message: message)
    }

    @inlinable
    public mutating func expect(
        _ byte: UInt8,
        _ field: @autoclosure () -> String,
        _ message: String
    ) throws(JSONReadError) {
        guard position < bytes.count else { throw fail(field(), "truncated: \(message)") }
        guard bytes[position] == byte else { throw fail(field(), message) }
        position += 1
    }

    /// `{ "key": value, … }`, handing each key to `member`, which must read its value.
    @inlinable
    public mutating func object(
        _ field: String,
        _ member: (inout Self, String) throws(JSONReadError) -> Void
    ) throws(JSONReadError) {
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
    @inlinable
    public mutating func array(
        _ field: String,
        _ element: (inout Self, Int) throws(JSONReadError) -> Void
    ) throws(JSONReadError) {
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
    @inlinable
    public mutating func string(_ field: @autoclosure () -> String) throws(JSONReadError) -> String {
        skipSpaces()
        try expect(UInt8(ascii: "\""), field(), "expected a string")
        let start = position
        // The common case: no escapes, one copy.
        while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
            position += 1
        }
        guard position < bytes.count else { throw fail(field(), "truncated: unterminated string") }
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
                var scalar = try hex4(field())
                if (0xD800..<0xDC00).contains(scalar), position + 1 < bytes.count,
                    bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                {
                    position += 2
                    let low = try hex4(field())
                    guard (0xDC00..<0xE000).contains(low) else { throw fail(field(), "invalid surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                text += Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
            default: throw fail(field(), "invalid escape \"\\\(Character(Unicode.Scalar(escaped)))\"")
            }
        }
        throw fail(field(), "truncated: unterminated string")
    }

    @inlinable
    public mutating func hex4(_ field: @autoclosure () -> String) throws(JSONReadError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw fail(field(), "truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail(field(), "invalid \\u escape")
            }
            value = value * 16 + UInt32(digit)
            position += 1
        }
        return value
    }

    /// Any JSON value, read and dropped (fields this reader does not use, such as `warnings`).
    @inlinable
    public mutating func skipValue(_ field: String, depth: Int) throws(JSONReadError) {
        guard depth < Self.maximumDepth else { throw fail(field, "nested deeper than \(Self.maximumDepth) levels") }
        skipSpaces()
        guard position < bytes.count else { throw fail(field, "truncated: expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            try object(field) { (reader, key) throws(JSONReadError) in try reader.skipValue(field, depth: depth + 1) }
        case UInt8(ascii: "["):
            try array(field) { (reader, _) throws(JSONReadError) in try reader.skipValue(field, depth: depth + 1) }
        case UInt8(ascii: "\""): _ = try string(field)
        default:
            for literal in ["true", "false", "null"] where matches(literal) {
                position += literal.utf8.count
                return
            }
            try skipNumber(field)
        }
    }

    /// Whether the bytes at the position spell `literal`.
    @inlinable
    func matches(_ literal: String) -> Bool {
        let utf8 = literal.utf8
        guard position + utf8.count <= bytes.count else { return false }
        return zip(bytes[position..<position + utf8.count], utf8).allSatisfy { $0 == $1 }
    }

    /// A number as JSON spells it: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    @inlinable
    mutating func skipNumber(_ field: String) throws(JSONReadError) {
        let start = position
        func digits() -> Int {
            let first = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                position += 1
            }
            return position - first
        }
        func take(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }
        _ = take(UInt8(ascii: "-"))
        let whole = position
        let count = digits()
        var valid = count > 0 && (count == 1 || bytes[whole] != UInt8(ascii: "0"))
        if valid, take(UInt8(ascii: ".")) { valid = digits() > 0 }
        if valid, take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            _ = take(UInt8(ascii: "+")) || take(UInt8(ascii: "-"))
            valid = digits() > 0
        }
        guard valid else {
            position = start
            throw fail(field, "expected a value")
        }
    }

    /// `null`, consumed; false (and nothing consumed) for any other value.
    @inlinable
    public mutating func null() -> Bool {
        skipSpaces()
        let word: [UInt8] = [110, 117, 108, 108]
        guard position + 4 <= bytes.count, Array(bytes[position..<position + 4]) == word else { return false }
        position += 4
        return true
    }

    /// A JSON number that is a whole number within `Int`'s range (a count, not a measurement).
    @inlinable
    public mutating func integer(_ field: @autoclosure () -> String) throws(JSONReadError) -> Int {
        skipSpaces()
        let start = position
        var value = 0
        let negative = position < bytes.count && bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        let digits = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(bytes[position] - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else {
                position = start
                throw fail(field(), "number out of range")
            }
            value = sum
            position += 1
        }
        guard position > digits else {
            position = start
            throw fail(field(), "expected a whole number")
        }
        if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
            position = start
            throw fail(field(), "expected a whole number")
        }
        return negative ? -value : value
    }

    /// Only whitespace may follow the document.
    @inlinable
    public mutating func end() throws(JSONReadError) {
        skipSpaces()
        guard position == bytes.count else { throw fail("", "unexpected text after the JSON document") }
    }
}
