/// FNV-1a, 64-bit: a small, stable hash of bytes — the same value in every process and on every machine
/// (unlike `Hasher`), for what must not move between runs: a target's scrape phase, a checkpoint's
/// checksum.
public enum FNV1a {
    @inlinable  // specialised where it is called: a checkpoint hashes tens of megabytes
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}
