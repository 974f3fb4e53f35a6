extension String {
    /// This text as a JSON string literal, quotes included: `"`, `\` and the control characters escaped
    /// (RFC 8259 §7), everything else as it is. For the JSON Vigil writes by hand (`vigil parse`, `vigil
    /// bench`, the assist tools' answers), where an encoder would not keep a sample value's spelling;
    /// here because the assist tools may depend on no other module of Vigil's that the CLI has.
    public var jsonLiteral: String {
        var out = "\""
        out.reserveCapacity(utf8.count + 2)
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
