import Testing

@testable import VigilScrape

/// `hashmod` must be Prometheus's number exactly, or a Vigil shard and a Prometheus shard configured alike
/// would hold different targets. The expected values were computed with Python's hashlib the way
/// `model/relabel/relabel.go` computes them: `int.from_bytes(md5(value).digest()[8:], "big") % modulus`.
struct HashModTests {
    @Test(
        arguments: [
            ("10.0.0.1:8080", UInt64(3), UInt64(0)),
            ("10.0.0.2:8080", 3, 1),
            ("127.0.0.1:9100", 5, 0),
            // The empty value (a target without the source label) hashes too.
            ("", 7, 1),
            ("node-exporter:9100", 1000, 600),
            // 100 bytes: the message spans two MD5 blocks; the modulus keeps all 64 bits but the top one.
            (String(repeating: "a", count: 100), 1 << 63, 2_261_475_017_709_615_839),
        ]
    )
    func matchesPrometheus(value: String, modulus: UInt64, expected: UInt64) {
        #expect(HashMod.of(value, modulus: modulus) == expected)
    }

    @Test(
        arguments: [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("10.0.0.1:8080", "05ef642f508b1e5b76612ddbd5f89a4c"),
            // 55 and 56 bytes: the padding fits in the block, then needs a second one.
            (String(repeating: "x", count: 55), "04364420e25c512fd958a70738aa8f72"),
            (String(repeating: "x", count: 56), "668a72d5ba17f08e62dabcafad6db14b"),
        ]
    )
    func md5MatchesRFC1321(value: String, hex: String) {
        let digest = MD5.digest(value.utf8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(digest == hex)
    }

    @Test func shardsSplitEveryAddressExactlyOnce() {
        let addresses = (0..<600).map { "10.\($0 / 250).\($0 % 250).7:8080" }
        for count in 1...5 {
            let shards = (0..<count).compactMap { Shard(index: $0, count: count) }
            let owners = addresses.map { address in shards.filter { $0.owns(address: address) }.count }
            #expect(owners.allSatisfy { $0 == 1 }, "every address in exactly one of \(count) shards")
            // And no shard is starved: md5 spreads 600 addresses within ±40 % of the mean.
            let sizes = shards.map { shard in addresses.filter { shard.owns(address: $0) }.count }
            let mean = Double(addresses.count) / Double(count)
            #expect(sizes.allSatisfy { Double($0) > mean * 0.6 && Double($0) < mean * 1.4 }, "\(sizes)")
        }
    }

    @Test func shardIndexMustBeBelowCount() {
        #expect(Shard(index: 3, count: 3) == nil)
        #expect(Shard(index: -1, count: 3) == nil)
        #expect(Shard(index: 0, count: 0) == nil)
        #expect(Shard(index: 2, count: 3)?.description == "2/3")
    }

    @Test(
        arguments: [
            ("vigil-0", 0), ("vigil-12", 12), ("my-vigil-shard-3", 3),
            // Not a StatefulSet ordinal: no dash, nothing after it, a leading zero, letters, a sign.
            ("vigil", nil), ("vigil-", nil), ("vigil-01", nil), ("vigil-a1", nil), ("vigil-+1", nil),
            ("vigil-٣", nil),
        ] as [(String, Int?)]
    )
    func ordinalFromPodName(name: String, ordinal: Int?) {
        #expect(Shard.ordinal(ofPodName: name) == ordinal)
    }
}
