import Testing

@testable import VigilScrape

/// A target's URL as Prometheus's `Target.URL` makes it, and the addresses that make no other URL.
struct TargetURLTests {
    /// Port 99999 was accepted, and failed only at the first scrape; `a?x:80` and `a#x:80` were taken
    /// whole, and libcurl read `a` with the rest as the query or fragment.
    @Test(arguments: [
        ("a:99999", false), ("a:0", false), ("a:65535", true), ("a:1", true), ("a", true), ("[::1]:9100", true),
        ("[::1]", true), ("[::1]:", false), ("a:", false), (":80", false), ("a:8o", false), ("a:1:2", false),
        ("a:0000080", false), ("u@a:80", false), ("a b:80", false), ("a?x:80", false), ("a#x:80", false),
        ("a%41:80", false), ("a\\b:80", false), ("a/b:80", false), ("[fe80::1%25eth0]:80", true),
        ("[fe80::1%25]:80", false), ("[fe80::1%eth0]:80", false),
        ("[fe80::1%25eth/0]:80", false), ("[]:80", false),
        ("[x]:80", false), ("[::1]x", false), ("node-1.example.com:9100", true), ("10.0.0.1:9100", true),
        ("shop_1.svc:80", true), ("", false),
    ])
    func anAddressIsAHostAndAPortInRange(address: String, valid: Bool) {
        #expect(TargetURL.isAddress(address) == valid)
    }

    /// The path gets its leading `/` and Go's path escaping, the parameters are the query; a scheme other
    /// than HTTP(S) makes no URL (a relabelled `__scheme__` of `https://elsewhere/#` made one to elsewhere).
    @Test func theURLIsMadeAsPrometheusMakesIt() {
        #expect(TargetURL.make(scheme: "http", address: "a:80", path: "metrics") == "http://a:80/metrics")
        #expect(TargetURL.make(scheme: "https", address: "a:80", path: "/a b?c") == "https://a:80/a%20b%3Fc")
        #expect(TargetURL.make(scheme: "http", address: "a:80", path: "") == "http://a:80")
        #expect(
            TargetURL.make(
                scheme: "http",
                address: "a:80",
                path: "/federate",
                parameters: ["match[]": ["up", "{job=\"a b\"}"], "m": ["1"]]
            ) == "http://a:80/federate?m=1&match%5B%5D=up&match%5B%5D=%7Bjob%3D%22a+b%22%7D"
        )
        #expect(TargetURL.make(scheme: "https://elsewhere/#", address: "a:80", path: "/metrics") == nil)
        #expect(TargetURL.make(scheme: "file", address: "a:80", path: "/etc/passwd") == nil)
        #expect(TargetURL.make(scheme: "http", address: "a?x:80", path: "/metrics") == nil)
    }

    /// A job's `params:` and its targets' `__param_<name>` labels make the query as Prometheus's
    /// `Target.URL` makes it: a label replaces its name's first value, or adds the name.
    @Test func aParamLabelReplacesTheFirstValueOfItsName() {
        let configured = ["module": ["http_2xx", "extra"], "debug": ["true"]]
        #expect(TargetURL.labels(of: configured) == ["__param_module": "http_2xx", "__param_debug": "true"])
        #expect(
            TargetURL.parameters(configured, labels: ["__param_module": "tcp", "__param_target": "a:1", "job": "x"])
                == ["module": ["tcp", "extra"], "debug": ["true"], "target": ["a:1"]]
        )
    }
}
