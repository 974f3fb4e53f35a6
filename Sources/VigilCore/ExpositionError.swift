/// A rejected exposition: where it went wrong and why, with the offending token quoted in `message`.
///
/// Rendered as `LINE:COL: message`; prefix a file name with ``rendered(file:)`` for the
/// `FILE:LINE:COL: message` form compilers and editors understand.
public struct ExpositionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the offending input.
    public var line: Int
    /// 1-based byte column within that line.
    public var column: Int
    /// What is wrong, quoting the offending token.
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(line):\(column): \(message)" }

    /// `FILE:LINE:COL: message`.
    public func rendered(file: String) -> String { "\(file):\(description)" }
}

/// The line an error belongs to, so helpers can report a column without holding the parser.
struct ErrorSite {
    var line: Int
    /// Byte offset of the line's first byte, from which columns are counted.
    var lineStart: Int

    func error(at offset: Int, _ message: String) -> ExpositionError {
        ExpositionError(line: line, column: offset - lineStart + 1, message: message)
    }
}

/// Quotes a token for an error message: printable ASCII as is, everything else escaped, long tokens cut.
func quoted(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
    let limit = 60
    var out = "\""
    var count = 0
    for index in range {
        if count == limit {
            out += "…"
            break
        }
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "\""): out += "\\\""
        case UInt8(ascii: "\\"): out += "\\\\"
        case UInt8(ascii: "\n"): out += "\\n"
        case UInt8(ascii: "\t"): out += "\\t"
        case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(byte))
        default: out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }
        count += 1
    }
    return out + "\""
}
