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
        parameters: [String: String] = [:]
    )
        -> String?
    {
        guard scheme == "http" || scheme == "https", isAddress(address) else { return nil }
        return scheme + "://" + address + escapedPath(path) + query(parameters)
    }

    /// Whether `address` is `host`, `host:port` or `[IPv6]:port`, the port from 1 to 65535 and the host of
    /// the characters a host name holds (letters, digits and `-._~!$&'()*+,;=`, RFC 3986's reg-name less
    /// escapes). Prometheus refuses an address with a `/`, and Go escapes any other character a host
    /// cannot hold, so the request fails; the URL is handed to libcurl as text, where a `?`, `#` or `@`
    /// in the address makes another URL (`host?x:80` reads `host`, port 80, query `x:80/metrics`), so
    /// Vigil refuses those too.
    public static func isAddress(_ address: String) -> Bool {
        var host = Substring(address)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let rest = host[host.index(after: close)...]
            let literal = host[host.index(after: host.startIndex)..<close]
            guard !literal.isEmpty, literal.utf8.allSatisfy(isIPv6LiteralByte) else { return false }
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

    /// The query Prometheus makes of the parameters: `?` and each `name=value`, by name, escaped as Go's
    /// `url.Values.Encode` escapes them (`QueryEscape`: a blank as `+`; a `%` is escaped first, so every
    /// `%20` left is a blank); empty when there are none.
    static func query(_ parameters: [String: String]) -> String {
        guard !parameters.isEmpty else { return "" }
        let escape = { (text: String) in
            (text.addingPercentEncoding(withAllowedCharacters: .urlUnreserved) ?? text)
                .replacingOccurrences(of: "%20", with: "+")
        }
        return "?"
            + parameters.sorted { $0.key < $1.key }.map { escape($0.key) + "=" + escape($0.value) }
            .joined(separator: "&")
    }

    /// What Go's `encodePath` leaves unescaped.
    private static let pathCharacters = CharacterSet.urlUnreserved.union(CharacterSet(charactersIn: "$&+,/:;=@"))

    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default: return "-._~!$&'()*+,;=".utf8.contains(byte)
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
