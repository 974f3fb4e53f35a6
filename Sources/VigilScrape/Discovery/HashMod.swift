/// Prometheus's `hashmod` relabel action: the MD5 of the value (source labels joined by the
/// separator), its last 8 bytes read as a big-endian unsigned integer, modulo `modulus`
/// (`model/relabel/relabel.go`). The same number Prometheus computes, so Vigil's shards line up with a
/// Prometheus sharded the same way.
public enum HashMod {
    /// `hashmod` of `value`; `modulus` must be at least 1.
    public static func of(_ value: String, modulus: UInt64) -> UInt64 {
        precondition(modulus > 0, "hashmod modulus must be at least 1")
        let digest = MD5.digest(value.utf8)
        let tail = digest[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return tail % modulus
    }
}
