/// One replica's share of the targets when `count` replicas split them with no coordination: the targets
/// whose `hashmod` of `__address__` (modulus `count`) is `index`, exactly as a sharded Prometheus keeps
/// them with `hashmod` into `__tmp_hash` and `keep` on `index`. Every target lands in exactly one shard.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// Nil unless `0 <= index < count`.
    public init?(index: Int, count: Int) {
        guard count >= 1, (0..<count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// The whole: one replica scrapes everything.
    public static let whole = Shard(index: 0, count: 1)!

    /// Whether the target at `address` (its `__address__`, `host:port`) belongs to this shard.
    public func owns(address: String) -> Bool {
        count == 1 || HashMod.of(address, modulus: UInt64(count)) == UInt64(index)
    }

    /// The StatefulSet ordinal at the end of a pod name (`vigil-2` → 2), as the shard index of a
    /// replica that was not given one; nil when the name does not end in `-N`.
    public static func ordinal(ofPodName name: String) -> Int? {
        guard let dash = name.lastIndex(of: "-") else { return nil }
        let digits = name[name.index(after: dash)...]
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
            digits == "0" || !digits.hasPrefix("0")
        else { return nil }
        return Int(digits)
    }

    public var description: String { "\(index)/\(count)" }
}
