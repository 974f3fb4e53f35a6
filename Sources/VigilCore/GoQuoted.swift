/// `text` as Go's `strconv.Quote` (and `%q`) writes it: printable characters as they are, the rest as Go
/// escapes them. Prometheus's error messages quote values so, and PromQL reads the same escapes in a
/// string literal.
public func goQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{0B}": out += "\\v"
        case _ where isGoPrintable(scalar): out.unicodeScalars.append(scalar)
        case _ where scalar.value < 0x80: out += "\\x" + hexDigits(scalar.value, 2)
        case _ where scalar.value < 0x10000: out += "\\u" + hexDigits(scalar.value, 4)
        default: out += "\\U" + hexDigits(scalar.value, 8)
        }
    }
    return out + "\""
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
private func isGoPrintable(_ scalar: Unicode.Scalar) -> Bool {
    if scalar == " " { return true }
    switch scalar.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
        .spaceSeparator:
        return false
    default:
        return true
    }
}

private func hexDigits(_ value: UInt32, _ count: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, count - text.count)) + text
}
