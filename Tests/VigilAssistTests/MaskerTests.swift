import Testing
import VigilAssist

/// Masking one string at a time: what each pattern hides, that names stay whole, and that unmasking
/// gives back exactly the original.
@Suite struct MaskerTests {
    @Test(arguments: [
        // An address with its port, and an IPv6 one.
        ("dial tcp 10.244.1.3:6379: connection refused", "10.244.1.3:6379"),
        ("listen on fd00:10:96::1 failed", "fd00:10:96::1"),
        // A MAC address names a machine as well as an IP address does.
        ("lease for 0a:1b:2c:3d:4e:5f expired", "0a:1b:2c:3d:4e:5f"),
        // A URL is hidden whole, with the names in its host and path.
        ("GET https://checkout.shop.svc:8443/healthz returned 503", "https://checkout.shop.svc:8443/healthz"),
        // Images, with a registry, a port, a digest, or only a tag.
        ("image registry.example.com/shop/checkout:2.4.0 failed", "registry.example.com/shop/checkout:2.4.0"),
        ("pulling localhost:5000/team/api@sha256:abcdef0123", "localhost:5000/team/api@sha256:abcdef0123"),
        ("redis:7.2.5 is running", "redis:7.2.5"),
        // Generated names: a ReplicaSet's and a pod's hash suffix.
        ("pod checkout-pvmm9l5jlw-fbq75 restarted", "checkout-pvmm9l5jlw-fbq75"),
        // A container a sentence names.
        ("container app of a pod is crash-looping", "app"),
    ])
    func hides(_ text: String, _ secret: String) {
        var masker = Masker()
        let masked = masker.mask(text)
        #expect(!masked.contains(secret), "\(masked)")
        #expect(masker.unmask(masked) == text)
    }

    @Test func leavesClockTimesAlone() {
        var masker = Masker()
        #expect(masker.mask("up since 2026-11-30T10:42:05Z") == "up since 2026-11-30T10:42:05Z")
        #expect(masker.mask("restarted at 12:30, then at 12:30:45") == "restarted at 12:30, then at 12:30:45")
    }

    /// A path in code is no address: `::e` of `Result::expect` was masked, and every `::e` of the text
    /// with it. An address at a sentence's end still is.
    @Test func leavesPathsInCodeAlone() {
        var masker = Masker()
        let trace = "panicked at Result::expect in std::collections::hash_map (serde::de)"
        #expect(masker.mask(trace) == trace)
        #expect(masker.mask("resolver fd00::1. Then ::1 too.") == "resolver IP_1. Then IP_2 too.")
    }

    /// Compressed IPv6 addresses went out as they were: the pattern wanted two groups before a `::`, and
    /// dropped all-digit matches as clock times. Each of RFC 4291's text forms is hidden whole.
    @Test(arguments: [
        "2001:4860:4860::8888", "fd00::1", "::1", "2001:db8::", "fe80::1ff:fe23:4567:890a", "1:2:3:4:5:6:7:8",
        // Ending in an IPv4 address: hidden as one address, not as IPv4 behind a visible prefix.
        "64:ff9b::192.0.2.33", "::ffff:10.0.0.7",
    ])
    func hidesIPv6InEveryTextForm(_ address: String) {
        var masker = Masker()
        let text = "connect to [\(address)]:443: refused"
        let masked = masker.mask(text)
        #expect(masked == "connect to [IP_1]:443: refused")
        #expect(masker.unmask(masked) == text)
    }

    @Test func keepsNamesWholeAndWordsIntact() {
        var masker = Masker()
        masker.register("checkout", category: "NAME")
        masker.register("checkout-canary", category: "NAME")
        masker.register("app", category: "NAME")
        let masked = masker.mask("checkout-canary and checkout happen to restart app")
        #expect(masked == "NAME_2 and NAME_1 happen to restart NAME_3")
        #expect(masker.unmask(masked) == "checkout-canary and checkout happen to restart app")
    }

    @Test func aQuotedWithheldMessageGoesWholeThoughItHoldsAGeneratedName() {
        // The leak review found: the generated pod name was masked first, so the quote no longer matched
        // the withheld message and `app` went out as is.
        var masker = Masker()
        let message = "working set of app in sessions-6c9dbdp4xz-k2x8q grows 51Mi/h"
        #expect(masker.withhold(message) == "MESSAGE_1")
        let masked = masker.mask("deployment leaks memory: \(message). A rolling restart buys time.")
        #expect(masked == "deployment leaks memory: MESSAGE_1. A rolling restart buys time.")
    }

    /// Matches of one length are numbered in the order they appear, not in a set's order: the same text
    /// is masked the same way every time, so a narrator's prompt does not vary with it.
    @Test func matchesOfOneLengthAreNumberedInTheOrderTheyAppear() {
        let addresses = (10..<30).map { "10.0.0.\($0)" }
        var masker = Masker()
        let masked = masker.mask("peers " + addresses.joined(separator: " ") + " and 10.0.0.10 again")
        #expect(masked == "peers " + (1...20).map { "IP_\($0)" }.joined(separator: " ") + " and IP_1 again")
    }

    @Test func placeholdersAreStableAndTwelveIsNotOneAndTwo() {
        var masker = Masker()
        for index in 1...12 { masker.register("name-\(index)x", category: "NAME") }
        #expect(masker.placeholder(for: "name-1x", category: "NAME") == "NAME_1")
        #expect(masker.unmask("NAME_12 and NAME_1") == "name-12x and name-1x")
    }

    @Test func objectsKeepTheirKind() {
        var masker = Masker()
        #expect(masker.object("pod/web-7d9f-x2/app") == "pod/NAME_1/NAME_2")
        #expect(masker.object("deployment/web") == "deployment/NAME_3")
        // An anomaly names a pod and its container with no kind: both are names.
        #expect(masker.object("web-7d9f-x2/sidecar") == "NAME_1/NAME_4")
    }
}
