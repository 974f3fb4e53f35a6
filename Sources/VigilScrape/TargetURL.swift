import Foundation
import VigilHTTP

/// A target's URL, made as Prometheus's `Target.URL` makes it from the target's labels: the scheme, the
/// address (`__address__`), the path (`__metrics_path__`) with a leading `/` and escaped as Go's `url.URL`
/// escapes a path, and the parameters (`__param_*`) as the query. Static targets, discovered ones and
/// the monitors' all take theirs from here.
public enum TargetURL {
    /// The URL, or nil when `address` is no target address (``isAddress(_:)``) or `scheme` is neither
    /// `http` nor `https` (a relabelled `__scheme__` of `https://elsewhere/#` would make another URL).
    public static func make(
        scheme: String,
        address: String,
        path: String,
        parameters: [String: [String]] = [:]
    )
        -> String?
    {
        guard scheme == "http" || scheme == "https", isAddress(address) else { return nil }
        return scheme + "://" + address + escapedPath(path) + query(parameters)
    }

    /// Whether `address` is `host`, `host:port` or `[IPv6]:port` (a zone as `%25eth0`), the port from 1 to
    /// 65535 and the host of the characters a host name holds (letters, digits and `-._~!$&'()*+,;=`, RFC
    /// 3986's reg-name less escapes). Prometheus refuses an address with a `/`, and Go escapes any other
    /// character a host cannot hold, so the request fails; the URL is handed to libcurl as text, where a
    /// `?`, `#` or `@` in the address makes another URL (`host?x:80` reads `host`, port 80, query
    /// `x:80/metrics`), so Vigil refuses those too.
    public static func isAddress(_ address: String) -> Bool {
        var host = Substring(address)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let rest = host[host.index(after: close)...]
            let literal = host[host.index(after: host.startIndex)..<close]
            // An IPv6 address, and a zone as RFC 6874 writes it in a URL (`fe80::1%25eth0`), as Go and
            // libcurl take it.
            let parts = literal.split(separator: "%25", maxSplits: 1, omittingEmptySubsequences: false)
            guard let ip = parts.first, !ip.isEmpty, ip.utf8.allSatisfy(isIPv6LiteralByte),
                parts.count == 1 || !parts[1].isEmpty && parts[1].utf8.allSatisfy(isUnreservedByte)
            else { return false }
            host = host[...close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return false }
                port = rest.dropFirst()
            }
        } else {
            if let colon = host.firstIndex(of: ":") {
                port = host[host.index(after: colon)...]
                host = host[..<colon]
            }
            guard !host.isEmpty, host.utf8.allSatisfy(isHostByte) else { return false }
        }
        guard let port else { return true }
        return !port.isEmpty && port.count <= 5
            && port.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            && (1...65_535).contains(Int(port) ?? 0)
    }

    /// `path` as Go's `url.URL` writes it after a host: with a leading `/`, every byte but the unreserved
    /// ones and `$&+,/:;=@` escaped (`EscapedPath`: so `?`, `#`, a blank or a `%` stay in the path).
    static func escapedPath(_ path: String) -> String {
        guard !path.isEmpty else { return "" }
        let escaped = path.addingPercentEncoding(withAllowedCharacters: pathCharacters) ?? path
        return path.hasPrefix("/") ? escaped : "/" + escaped
    }

    /// The query Prometheus makes of the parameters: `?` and each `name=value`, by name and each name's
    /// values in order, escaped as Go's `url.Values.Encode` escapes them (`QueryEscape`: a blank as `+`; a
    /// `%` is escaped first, so every `%20` left is a blank); empty when there are none.
    static func query(_ parameters: [String: [String]]) -> String {
        let escape = { (text: String) in
            (text.addingPercentEncoding(withAllowedCharacters: .urlUnreserved) ?? text)
                .replacingOccurrences(of: "%20", with: "+")
        }
        let pairs = parameters.sorted { $0.key < $1.key }.flatMap { name, values in
            values.map { escape(name) + "=" + escape($0) }
        }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }

    /// The parameters of a target whose job sets `configured` (`params:`) and whose labels are `labels`:
    /// each `__param_<name>` label replaces its name's first value or adds the name, as Prometheus's
    /// `Target.URL` takes them.
    public static func parameters(_ configured: [String: [String]], labels: [String: String]) -> [String: [String]] {
        var parameters = configured
        for (label, value) in labels where label.hasPrefix("__param_") {
            let name = String(label.dropFirst(8))
            if let values = parameters[name], !values.isEmpty {
                parameters[name] = [value] + values.dropFirst()
            } else {
                parameters[name] = [value]
            }
        }
        return parameters
    }

    /// The `__param_<name>` labels a job's `params:` gives its targets before relabelling: each name's
    /// first value, as Prometheus's `PopulateLabels` sets them.
    public static func labels(of parameters: [String: [String]]) -> [String: String] {
        var labels: [String: String] = [:]
        for (name, values) in parameters { if let first = values.first { labels["__param_" + name] = first } }
        return labels
    }

    /// What Go's `encodePath` leaves unescaped.
    private static let pathCharacters = CharacterSet.urlUnreserved.union(CharacterSet(charactersIn: "$&+,/:;=@"))

    /// A host name's: unreserved or a sub-delimiter (RFC 3986's reg-name, less escapes).
    private static func isHostByte(_ byte: UInt8) -> Bool {
        isUnreservedByte(byte) || "!$&'()*+,;=".utf8.contains(byte)
    }

    private static func isUnreservedByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default: return "-._~".utf8.contains(byte)
        }
    }

    private static func isIPv6LiteralByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: ":"), UInt8(ascii: "."):
            return true
        default: return false
        }
    }
}
