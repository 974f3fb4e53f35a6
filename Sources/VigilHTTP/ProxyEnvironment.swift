import Foundation

/// The proxy environment variables as Go's `net/http` reads them (`ProxyFromEnvironment`, the rules of
/// `golang.org/x/net/http/httpproxy`), so that Vigil's requests take the proxy kubectl's, promtool's
/// and amtool's would take from the same environment. libcurl's own reading differs where it matters:
/// it proxies `localhost` and `127.0.0.1` (a sidecar's Prometheus, every loopback test), ignores an
/// upper-case `HTTP_PROXY`, follows `ALL_PROXY`, and lets `NO_PROXY` exempt a host from a proxy the
/// configuration names. So Vigil decides, and tells libcurl the one proxy or none.
///
/// - `HTTP_PROXY` carries `http://` requests and `HTTPS_PROXY` `https://` ones, each upper case first,
///   then lower case (an empty value counts as unset); `ALL_PROXY` is not read. A value without a
///   scheme (`proxy:3128`) is an `http://` proxy; `socks5://` resolves names at the proxy, as Go's
///   SOCKS5 dialer does (`socks5h://` to libcurl).
/// - `localhost` and loopback addresses are never proxied.
/// - `NO_PROXY` (or `no_proxy`): comma-separated, `*` for every host; an IP address or a CIDR prefix;
///   a domain, which matches itself and its subdomains (`.example.com` or `*.example.com`: only
///   subdomains). An address or a domain may carry a port (`10.0.0.1:8080`, `example.com:443`), which
///   the request's port, given or its scheme's, must equal. A domain never matches a request to an IP
///   address. Entries Go cannot read are ignored, as Go ignores them.
///
/// Not followed: Go's refusal of `HTTP_PROXY` when `REQUEST_METHOD` is set (a CGI handler; Vigil never
/// is one), and the conversion of internationalised names to punycode (names are compared as written).
public struct ProxyEnvironment: Sendable, Equatable {
    let httpProxy: String?
    let httpsProxy: String?
    let exemptions: [Exemption]

    /// The variables of this process, read once, as Go reads them once.
    public static let process = ProxyEnvironment(ProcessInfo.processInfo.environment)

    public init(_ variables: [String: String]) {
        func value(_ names: String...) -> String? {
            names.lazy.compactMap { variables[$0] }.first { !$0.isEmpty }
        }
        httpProxy = value("HTTP_PROXY", "http_proxy").map(Self.forCurl)
        httpsProxy = value("HTTPS_PROXY", "https_proxy").map(Self.forCurl)
        exemptions = Self.exemptions(value("NO_PROXY", "no_proxy") ?? "")
    }

    /// The proxy a request to `url` goes through, or nil for none.
    public func proxy(for url: String) -> String? {
        let scheme = url.prefix { $0 != ":" }.lowercased()
        guard let proxy = scheme == "https" ? httpsProxy : scheme == "http" ? httpProxy : nil else { return nil }
        let (host, port) = Self.hostAndPort(URLUserInfo.hostAndPort(url), scheme: scheme)
        if host == "localhost" { return nil }
        let address = IPAddress(host)
        if address?.isLoopback == true { return nil }
        return exemptions.contains { $0.exempts(host: host, port: port, address: address) } ? nil : proxy
    }

    /// How a request to `url` reaches it under these variables.
    public func route(for url: String) -> ProxyRoute {
        proxy(for: url).map(ProxyRoute.through) ?? .direct
    }

    /// A proxy's URL as libcurl should be given it (see the type's notes).
    public static func forCurl(_ proxy: String) -> String {
        guard let separator = proxy.range(of: "://") else { return "http://" + proxy }
        let scheme = proxy[..<separator.lowerBound].lowercased()
        return scheme == "socks5" ? "socks5h" + proxy[separator.lowerBound...] : proxy
    }

    /// The authority's host, lower-cased and without brackets, and its port (the scheme's when none is
    /// given), as Go's `canonicalAddr` makes them.
    private static func hostAndPort(_ authority: String, scheme: String) -> (String, String) {
        var (host, port) = splitHostPort(authority) ?? (authority, "")
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.lowercased(), port.isEmpty ? (scheme == "https" ? "443" : "80") : port)
    }

    /// One `NO_PROXY` entry.
    enum Exemption: Sendable, Equatable {
        case everything
        /// The network's address, masked to its first `bits` of the 128 (an IPv4 prefix counts from 96).
        case network(IPAddress, bits: Int)
        case address(IPAddress, port: String?)
        /// `suffix` starts with a dot; `includesItself`: the domain itself matches too.
        case domain(suffix: String, includesItself: Bool, port: String?)

        func exempts(host: String, port: String, address: IPAddress?) -> Bool {
            switch self {
            case .everything:
                return true
            case .network(let network, let bits):
                return address.map { network.contains($0, inFirst: bits) } ?? false
            case .address(let exempted, let exemptedPort):
                return address == exempted && (exemptedPort == nil || exemptedPort == port)
            case .domain(let suffix, let includesItself, let exemptedPort):
                guard address == nil, host.hasSuffix(suffix) || (includesItself && host == suffix.dropFirst())
                else { return false }
                return exemptedPort == nil || exemptedPort == port
            }
        }
    }

    static func exemptions(_ list: String) -> [Exemption] {
        var exemptions: [Exemption] = []
        for raw in list.split(separator: ",", omittingEmptySubsequences: true) {
            let entry = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if entry.isEmpty { continue }
            if entry == "*" { return [.everything] }
            if let slash = entry.firstIndex(of: "/") {
                // Go reads an entry with a slash as a CIDR prefix, and nothing else.
                let bits = entry[entry.index(after: slash)...]
                if let address = IPAddress(String(entry[..<slash])), !bits.isEmpty, bits.allSatisfy(\.isASCII),
                    bits.allSatisfy(\.isNumber), let prefix = Int(bits), (0...address.bits).contains(prefix)
                {
                    let width = address.firstBit + prefix
                    exemptions.append(.network(address.masked(toFirst: width), bits: width))
                }
                continue
            }
            var host = entry
            var port: String?
            if let (entryHost, entryPort) = splitHostPort(entry) {
                if entryHost.isEmpty { continue }
                host = entryHost
                port = entryPort.isEmpty ? nil : entryPort
            }
            if let address = IPAddress(host) {
                exemptions.append(.address(address, port: port))
                continue
            }
            if host.hasPrefix("*.") { host.removeFirst() }
            let includesItself = !host.hasPrefix(".")
            exemptions.append(
                .domain(suffix: includesItself ? "." + host : host, includesItself: includesItself, port: port)
            )
        }
        return exemptions
    }

    /// Go's `net.SplitHostPort`: nil where it fails (no port, or an IPv6 address without brackets).
    private static func splitHostPort(_ text: String) -> (String, String)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            return (
                String(text[text.index(after: text.startIndex)..<close]),
                String(text[text.index(close, offsetBy: 2)...])
            )
        }
        guard let colon = text.firstIndex(of: ":"), text.lastIndex(of: ":") == colon else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}

/// An IP address as Go's `net.IP` compares it: an IPv4 address equals its IPv4-mapped IPv6 form.
struct IPAddress: Sendable, Equatable {
    /// Sixteen bytes, IPv4 mapped into `::ffff:0:0/96`.
    let bytes: [UInt8]
    /// Whether it was written as IPv4 (a prefix then counts 32 bits).
    let isVersion4: Bool

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = Self.mappedPrefix + withUnsafeBytes(of: &v4) { Array($0) }
            isVersion4 = true
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            isVersion4 = false
        } else {
            return nil
        }
    }

    static func == (lhs: IPAddress, rhs: IPAddress) -> Bool { lhs.bytes == rhs.bytes }

    private init(bytes: [UInt8], isVersion4: Bool) {
        self.bytes = bytes
        self.isVersion4 = isVersion4
    }

    /// This address with all but its first `bits` of the 128 zero, as Go's `ParseCIDR` masks a network:
    /// an IPv6 prefix that masks away `::ffff:` is an IPv6 network, one that keeps it an IPv4 one.
    func masked(toFirst bits: Int) -> IPAddress {
        var masked = bytes
        var remaining = bits
        for index in masked.indices {
            masked[index] &= remaining >= 8 ? 0xFF : remaining <= 0 ? 0 : ~(0xFF >> UInt8(remaining))
            remaining -= 8
        }
        return IPAddress(bytes: masked, isVersion4: isVersion4)
    }

    /// The bits a prefix written for this address counts, and where it starts among the 128.
    var bits: Int { isVersion4 ? 32 : 128 }
    var firstBit: Int { isVersion4 ? 96 : 0 }

    /// Go's `IsLoopback`: 127.0.0.0/8 (IPv4 or IPv4-mapped) or `::1`.
    var isLoopback: Bool { isMapped ? bytes[12] == 127 : bytes == Self.loopback6 }

    /// An IPv4 address, or one in `::ffff:0:0/96`: Go's `To4` reads both as IPv4.
    private var isMapped: Bool { bytes[0..<12].elementsEqual(Self.mappedPrefix) }

    private static let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
    private static let loopback6: [UInt8] = Array(repeating: 0, count: 15) + [1]

    /// Whether `address` is in this network, masked to its first `bits`. An IPv4 network holds only IPv4
    /// addresses and an IPv6 one only IPv6 addresses, IPv4-mapped ones counting as IPv4, as Go's
    /// `IPNet.Contains` has it.
    func contains(_ address: IPAddress, inFirst bits: Int) -> Bool {
        isMapped == address.isMapped && address.masked(toFirst: bits) == self
    }
}
