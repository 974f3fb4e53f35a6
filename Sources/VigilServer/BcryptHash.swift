import CCrypt

#if canImport(Glibc)
import Glibc
#endif

/// A bcrypt password hash (`$2a$`, `$2b$` or `$2y$`, as `htpasswd -B` and Go's bcrypt write them),
/// checked with the system's libxcrypt.
///
/// bcrypt is slow on purpose (about 70 ms at cost 10): ``matches(_:)`` blocks its thread for that
/// long, so callers run it off the event loop (``BasicAuthenticator`` does).
public struct BcryptHash: Sendable, Equatable {
    public let text: String
    /// The cost: 2^cost rounds of the key schedule.
    public let cost: Int

    /// The bcrypt variants libxcrypt checks; `$2x$` (a buggy 2011 variant) is refused on purpose.
    static let prefixes = ["$2a$", "$2b$", "$2y$"]
    /// The alphabet of bcrypt's salt and checksum (its own base 64, not RFC 4648's).
    private static let alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// Nil unless `text` is a well-formed bcrypt hash: `$2y$` + two-digit cost from 04 to 31 + `$` +
    /// 53 characters of salt and checksum, as Go's `bcrypt.Cost` accepts.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 60, Self.prefixes.contains(where: { text.hasPrefix($0) }), bytes[6] == UInt8(ascii: "$"),
            let cost = Int(String(decoding: bytes[4..<6], as: UTF8.self)), (4...31).contains(cost),
            bytes[7...].allSatisfy({ Self.alphabet.contains($0) })
        else { return nil }
        self.text = text
        self.cost = cost
    }

    /// A well-formed hash of `cost` that no password is known to match: what an unknown user's
    /// password is checked against, so that the refusal costs what a wrong password costs. Any salt
    /// and checksum will do; bcrypt runs in full before the comparison fails.
    static func dummy(cost: Int) -> BcryptHash {
        let cost = min(max(cost, 4), 31)
        let digits = cost < 10 ? "0\(cost)" : "\(cost)"
        // 53 characters of bcrypt's alphabet: a 22-character salt, then a 31-character checksum.
        return BcryptHash(text: "$2b$\(digits)$VigilDummySaltForUnknownUsersNoPasswordMatchesThis.xy", cost: cost)
    }

    private init(text: String, cost: Int) {
        self.text = text
        self.cost = cost
    }

    /// Whether `password` hashes to this hash. Blocks for the whole bcrypt computation; the result
    /// is compared in constant time.
    public func matches(_ password: String) -> Bool {
        // A C string ends at the first NUL: "secret\0anything" would check as "secret".
        guard !password.utf8.contains(0) else { return false }
        // struct crypt_data is about 32 KiB: on the heap, not a task's stack.
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        // libxcrypt asks for the whole struct zeroed before the first use.
        UnsafeMutableRawPointer(data).initializeMemory(
            as: UInt8.self,
            repeating: 0,
            count: MemoryLayout<crypt_data>.size
        )
        guard let output = crypt_rn(password, text, data, Int32(MemoryLayout<crypt_data>.size)) else { return false }
        let computed = UnsafeRawPointer(output).assumingMemoryBound(to: UInt8.self)
        let length = strnlen(output, Int(CRYPT_OUTPUT_SIZE))
        return ConstantTime.equal(UnsafeBufferPointer(start: computed, count: length), text.utf8)
    }
}
