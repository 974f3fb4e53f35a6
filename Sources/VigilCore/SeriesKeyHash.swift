/// A 128-bit hash of a series's bytes under secret random seeds: what a ``SeriesCache`` keeps of a
/// series instead of its bytes.
///
/// Two lanes of wyhash (final version 4, Wang Yi, public domain): each 16-byte block is folded in with
/// one 64×64→128-bit multiplication per lane, and the lanes run side by side, so a 170-byte series costs
/// about as much as comparing it with a stored copy did — without the copy. The lanes use different
/// secrets as well as different seeds, so no input block can zero both at once.
struct SeriesKeyHash: Sendable {
    /// The two 64-bit halves of a hash.
    struct Digest: Hashable, Sendable {
        var low: UInt64
        var high: UInt64
    }

    private static let secret: (UInt64, UInt64, UInt64, UInt64) = (
        0xa076_1d64_78bd_642f, 0xe703_7ed1_a0b4_28db, 0x8ebc_6af0_9c88_c6e3, 0x5899_65cc_7537_4cc3
    )

    /// The lanes' starting states: each seed mixed with its lane's secrets, once, not per hash.
    private let lanes: (UInt64, UInt64)

    /// Seeds drawn from the system's random source: unknown to whoever writes the bytes.
    init() {
        var generator = SystemRandomNumberGenerator()
        self.init(seeds: (generator.next(), generator.next()))
    }

    init(seeds: (UInt64, UInt64)) {
        let s = Self.secret
        lanes = (seeds.0 ^ Self.mix(seeds.0 ^ s.0, s.1), seeds.1 ^ Self.mix(seeds.1 ^ s.2, s.3))
    }

    @inline(__always)
    private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    @inline(__always)
    private static func finish(
        _ a: UInt64,
        _ b: UInt64,
        seed: UInt64,
        length: Int,
        _ s0: UInt64,
        _ s1: UInt64
    )
        -> UInt64
    {
        let product = (a ^ s1).multipliedFullWidth(by: b ^ seed)
        return mix(product.low ^ s0 ^ UInt64(truncatingIfNeeded: length), product.high ^ s1)
    }

    /// The hash of `count` bytes at `bytes`. Reads only those bytes.
    @inline(__always)
    func hash(_ bytes: UnsafeRawPointer, count: Int) -> Digest {
        let s = Self.secret
        var seed0 = lanes.0
        var seed1 = lanes.1
        let a: UInt64
        let b: UInt64
        if count <= 16 {
            if count >= 4 {
                let quarter = (count >> 3) << 2
                a = UInt64(Self.load32(bytes, 0)) << 32 | UInt64(Self.load32(bytes, quarter))
                b = UInt64(Self.load32(bytes, count &- 4)) << 32 | UInt64(Self.load32(bytes, count &- 4 &- quarter))
            } else if count > 0 {
                let first = UInt64(bytes.load(as: UInt8.self))
                let middle = UInt64(bytes.load(fromByteOffset: count >> 1, as: UInt8.self))
                let last = UInt64(bytes.load(fromByteOffset: count &- 1, as: UInt8.self))
                a = first << 16 | middle << 8 | last
                b = 0
            } else {
                a = 0
                b = 0
            }
        } else {
            var offset = 0
            var remaining = count
            if remaining > 48 {
                // Three blocks per step on independent multiplications, as wyhash does for long inputs.
                var second0 = seed0
                var third0 = seed0
                var second1 = seed1
                var third1 = seed1
                repeat {
                    let x0 = Self.load64(bytes, offset)
                    let y0 = Self.load64(bytes, offset &+ 8)
                    let x1 = Self.load64(bytes, offset &+ 16)
                    let y1 = Self.load64(bytes, offset &+ 24)
                    let x2 = Self.load64(bytes, offset &+ 32)
                    let y2 = Self.load64(bytes, offset &+ 40)
                    seed0 = Self.mix(x0 ^ s.1, y0 ^ seed0)
                    second0 = Self.mix(x1 ^ s.2, y1 ^ second0)
                    third0 = Self.mix(x2 ^ s.3, y2 ^ third0)
                    seed1 = Self.mix(x0 ^ s.3, y0 ^ seed1)
                    second1 = Self.mix(x1 ^ s.0, y1 ^ second1)
                    third1 = Self.mix(x2 ^ s.1, y2 ^ third1)
                    offset &+= 48
                    remaining &-= 48
                } while remaining > 48
                seed0 ^= second0 ^ third0
                seed1 ^= second1 ^ third1
            }
            while remaining > 16 {
                let x = Self.load64(bytes, offset)
                let y = Self.load64(bytes, offset &+ 8)
                seed0 = Self.mix(x ^ s.1, y ^ seed0)
                seed1 = Self.mix(x ^ s.3, y ^ seed1)
                offset &+= 16
                remaining &-= 16
            }
            // The last 16 bytes, overlapping the blocks before when the length is not a multiple of 16.
            a = Self.load64(bytes, count &- 16)
            b = Self.load64(bytes, count &- 8)
        }
        return Digest(
            low: Self.finish(a, b, seed: seed0, length: count, s.0, s.1),
            high: Self.finish(a, b, seed: seed1, length: count, s.2, s.3)
        )
    }

    @inline(__always)
    private static func load64(_ bytes: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    private static func load32(_ bytes: UnsafeRawPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
