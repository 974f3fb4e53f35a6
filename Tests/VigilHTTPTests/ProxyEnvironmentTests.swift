import Testing

@testable import VigilHTTP

/// The proxy environment read as Go's `httpproxy` reads it (its rules, and the cases of its own tests).
struct ProxyEnvironmentTests {
    let proxied = ProxyEnvironment(["HTTP_PROXY": "http://proxy:3128", "HTTPS_PROXY": "http://secure-proxy:3128"])

    @Test func eachSchemeHasItsOwnVariableAndAllProxyIsNotRead() {
        #expect(proxied.proxy(for: "http://example.com/metrics") == "http://proxy:3128")
        #expect(proxied.proxy(for: "https://example.com/api") == "http://secure-proxy:3128")
        let all = ProxyEnvironment(["ALL_PROXY": "http://proxy:3128", "all_proxy": "http://proxy:3128"])
        #expect(all.proxy(for: "http://example.com/") == nil)
        #expect(ProxyEnvironment([:]).proxy(for: "https://example.com/") == nil)
    }

    /// Upper case first, as Go reads them (libcurl ignores an upper-case `HTTP_PROXY`); an empty value
    /// counts as unset.
    @Test func upperCaseComesFirstAndAnEmptyValueIsUnset() {
        let both = ProxyEnvironment(["HTTP_PROXY": "http://upper:1", "http_proxy": "http://lower:1"])
        #expect(both.proxy(for: "http://example.com/") == "http://upper:1")
        let emptyUpper = ProxyEnvironment(["HTTPS_PROXY": "", "https_proxy": "http://lower:1"])
        #expect(emptyUpper.proxy(for: "https://example.com/") == "http://lower:1")
        let noProxy = ProxyEnvironment(["http_proxy": "http://lower:1", "NO_PROXY": "", "no_proxy": "example.com"])
        #expect(noProxy.proxy(for: "http://example.com/") == nil)
    }

    /// A value without a scheme is an http proxy; a SOCKS5 proxy resolves the server's name itself.
    @Test func aProxyIsWrittenForLibcurl() {
        #expect(ProxyEnvironment(["HTTP_PROXY": "proxy:3128"]).proxy(for: "http://a/") == "http://proxy:3128")
        #expect(ProxyEnvironment(["HTTP_PROXY": "10.0.0.1:3128"]).proxy(for: "http://a/") == "http://10.0.0.1:3128")
        #expect(ProxyEnvironment(["HTTP_PROXY": "SOCKS5://p:1080"]).proxy(for: "http://a/") == "socks5h://p:1080")
        #expect(ProxyEnvironment(["HTTP_PROXY": "https://p:443"]).proxy(for: "http://a/") == "https://p:443")
    }

    /// Go's special case: `localhost` and loopback addresses are never proxied, with or without a port
    /// or user info (a sidecar's Prometheus, a port-forward).
    @Test func loopbackIsNeverProxied() {
        for url in [
            "http://localhost:9090/", "http://127.0.0.1:9090/", "https://127.0.0.2/", "http://[::1]:6443/",
            "http://user:pw@127.0.0.1/", "http://[::ffff:127.0.0.1]:80/",
        ] {
            #expect(proxied.proxy(for: url) == nil, "\(url)")
        }
        for url in ["http://[::2]/", "http://128.0.0.1/", "http://localhost.example.com/", "http://10.0.0.1/"] {
            #expect(proxied.proxy(for: url) == "http://proxy:3128", "\(url)")
        }
    }

    /// Go's `TestUseProxy` table, with `NO_PROXY=foobar.com, .barbaz.net`: a leading dot names the
    /// subdomains only.
    @Test func domainsMatchThemselvesAndTheirSubdomains() {
        let environment = ProxyEnvironment(["HTTP_PROXY": "http://proxy", "NO_PROXY": "foobar.com, .barbaz.net"])
        let direct = ["foobar.com", "www.foobar.com", "www.barbaz.net", "foobar.com:80", "FOOBAR.com"]
        let viaProxy = ["barbaz.net", "foofoobar.com", "baz.com", "localhost.net", "local.localhost", "barbazz.net"]
        for host in direct { #expect(environment.proxy(for: "http://\(host)/") == nil, "\(host)") }
        for host in viaProxy { #expect(environment.proxy(for: "http://\(host)/") == "http://proxy", "\(host)") }
        let subdomainsOnly = ProxyEnvironment(["HTTP_PROXY": "http://proxy", "NO_PROXY": ".y.com,*.z.com"])
        #expect(subdomainsOnly.proxy(for: "http://x.y.com/") == nil)
        #expect(subdomainsOnly.proxy(for: "http://y.com/") == "http://proxy")
        #expect(subdomainsOnly.proxy(for: "http://x.z.com/") == nil)
        #expect(subdomainsOnly.proxy(for: "http://z.com/") == "http://proxy")
    }

    /// Addresses, prefixes and ports, as Go matches them: a port must equal the request's (given or its
    /// scheme's); a domain never matches an address; `*` matches everything.
    @Test func addressesPrefixesAndPorts() {
        let environment = ProxyEnvironment([
            "HTTPS_PROXY": "http://proxy",
            "NO_PROXY":
                "10.0.0.1,192.168.0.0/16,fd12::/16,example.com:8443,10.0.0.2:6443,[fd00::1]:443,1.2.3.0/33,*.bad/x",
        ])
        let direct = [
            "10.0.0.1", "10.0.0.1:6443", "192.168.7.9", "[fd12::5]", "example.com:8443", "api.example.com:8443",
            "10.0.0.2:6443", "[fd00::1]",
        ]
        let viaProxy = [
            "10.0.0.3", "192.169.0.1", "[fe80::1]", "example.com", "example.com:443", "10.0.0.2", "[fd00::1]:8443",
            "1.2.3.4",
        ]
        for host in direct { #expect(environment.proxy(for: "https://\(host)/") == nil, "\(host)") }
        for host in viaProxy { #expect(environment.proxy(for: "https://\(host)/") == "http://proxy", "\(host)") }

        let everything = ProxyEnvironment(["HTTPS_PROXY": "http://proxy", "no_proxy": "example.com, *"])
        #expect(everything.proxy(for: "https://anything.net/") == nil)
        let domainOnly = ProxyEnvironment(["HTTPS_PROXY": "http://proxy", "NO_PROXY": "1.com"])
        #expect(domainOnly.proxy(for: "https://10.0.0.1/") == "http://proxy")
    }

    /// An IPv4 prefix holds IPv4 addresses only, an IPv6 prefix IPv6 ones only (Go's `IPNet.Contains`).
    @Test func aPrefixHoldsAddressesOfItsOwnFamily() {
        let environment = ProxyEnvironment(["HTTP_PROXY": "http://proxy", "NO_PROXY": "::/0"])
        #expect(environment.proxy(for: "http://[fe80::1]/") == nil)
        #expect(environment.proxy(for: "http://10.0.0.1/") == "http://proxy")
        let mapped = ProxyEnvironment(["HTTP_PROXY": "http://proxy", "NO_PROXY": "10.0.0.0/8"])
        #expect(mapped.proxy(for: "http://[::ffff:10.1.2.3]/") == nil)
        // The network is masked first, as Go's ParseCIDR masks it: `::ffff:10.0.0.0/8` is `::/8`, an IPv6
        // network holding no IPv4 address; `/104` keeps `::ffff:10.0.0.0`, an IPv4 one.
        let masked = ProxyEnvironment(["HTTP_PROXY": "http://proxy", "NO_PROXY": "::ffff:10.0.0.0/8"])
        #expect(masked.proxy(for: "http://10.1.2.3/") == "http://proxy")
        #expect(masked.proxy(for: "http://[::1:2]/") == nil)
        let kept = ProxyEnvironment(["HTTP_PROXY": "http://proxy", "NO_PROXY": "::ffff:10.0.0.0/104"])
        #expect(kept.proxy(for: "http://10.1.2.3/") == nil && kept.proxy(for: "http://11.1.2.3/") == "http://proxy")
        // A prefix is digits alone, as Go reads it.
        #expect(
            ProxyEnvironment(["HTTP_PROXY": "http://p", "NO_PROXY": "10.0.0.0/+8"]).proxy(for: "http://10.1.1.1/")
                == "http://p"
        )
    }

    @Test func routesNameTheirProxyOrNone() {
        #expect(proxied.route(for: "http://example.com/") == .through("http://proxy:3128"))
        #expect(proxied.route(for: "http://127.0.0.1:9090/") == .direct)
    }
}
