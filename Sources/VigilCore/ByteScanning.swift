#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Word-at-a-time byte primitives for the parser's hot path. Only the stdlib and the C library's memchr:
/// `VigilCore` imports nothing else.
enum ByteScanning {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Index of the first `byte` in `bytes[from..<end]`, or `end`.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int, end: Int) -> Int {
        guard from < end else { return end }
        // The C library's memchr compares 32 or 64 bytes per step with vector instructions: a line break
        // is ~170 bytes away in a kube-state-metrics body, where the word-at-a-time loop took 20 steps.
        guard let found = memchr(bytes.baseAddress! + from, Int32(byte), end &- from) else { return end }
        return UnsafeRawPointer(found) - UnsafeRawPointer(bytes.baseAddress!)
    }

    /// True when every byte of the range is ASCII (below 0x80).
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        let base = UnsafeRawPointer(bytes.baseAddress!)
        while index &+ 8 <= range.upperBound {
            if base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & highs != 0 { return false }
            index &+= 8
        }
        while index < range.upperBound {
            if bytes[index] >= 0x80 { return false }
            index &+= 1
        }
        return true
    }

    /// Number of Unicode scalars in valid UTF-8, or nil when the bytes are not valid UTF-8
    /// (overlong forms, surrogates and code points past U+10FFFF are invalid).
    static func utf8ScalarCount(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var index = range.lowerBound
        var count = 0
        let end = range.upperBound
        while index < end {
            let lead = bytes[index]
            count &+= 1
            if lead < 0x80 {
                index &+= 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                upper = 0x9F
            case 0xF0:
                length = 4
                lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                upper = 0x8F
            default: return nil
            }
            guard index &+ length <= end else { return nil }
            let second = bytes[index &+ 1]
            guard second >= lower, second <= upper else { return nil }
            for offset in 2..<length where bytes[index &+ offset] & 0xC0 != 0x80 { return nil }
            index &+= length
        }
        return count
    }

    /// True when the range holds valid UTF-8.
    @inline(__always)
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        isASCII(bytes, range) || utf8ScalarCount(bytes, range) != nil
    }

    /// A fast 64-bit hash of a byte range (multiply-xorshift over words, murmur finaliser).
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        let base = UnsafeRawPointer(bytes.baseAddress!)
        var index = range.lowerBound
        let end = range.upperBound
        var lane0: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: end &- index)
        var lane1: UInt64 = 0xC2B2_AE3D_27D4_EB4F
        // Two independent lanes keep two multiplies in flight.
        while index &+ 16 <= end {
            lane0 = (lane0 ^ base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            lane1 = (lane1 ^ base.loadUnaligned(fromByteOffset: index &+ 8, as: UInt64.self)) &* 0xC4CE_B9FE_1A85_EC53
            lane0 ^= lane0 >> 29
            lane1 ^= lane1 >> 31
            index &+= 16
        }
        if index &+ 8 <= end {
            lane0 = (lane0 ^ base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            lane0 ^= lane0 >> 29
            index &+= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < end {
            tail |= UInt64(bytes[index]) << shift
            shift &+= 8
            index &+= 1
        }
        lane1 = (lane1 ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        var mixed = lane0 ^ (lane1 &* 0x9E37_79B9_7F4A_7C15)
        mixed ^= mixed >> 33
        mixed &*= 0xFF51_AFD7_ED55_8CCD
        mixed ^= mixed >> 33
        mixed &*= 0xC4CE_B9FE_1A85_EC53
        mixed ^= mixed >> 33
        return mixed
    }

    /// Byte equality of two ranges of equal length (memcmp: vector compares, ~170-byte series keys).
    @inline(__always)
    static func equal(
        _ lhs: UnsafeRawPointer,
        _ rhs: UnsafeRawPointer,
        count: Int
    ) -> Bool {
        memcmp(lhs, rhs, count) == 0
    }

    @inline(__always) static func isNameStart(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") || byte == UInt8(ascii: "_")
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// `[a-zA-Z_:]`, the first byte of a metric name.
    @inline(__always) static func isMetricNameStart(_ byte: UInt8) -> Bool {
        isNameStart(byte) || byte == UInt8(ascii: ":")
    }

    /// `[a-zA-Z0-9_:]`.
    @inline(__always) static func isMetricNameByte(_ byte: UInt8) -> Bool {
        isNameStart(byte) || isDigit(byte) || byte == UInt8(ascii: ":")
    }

    /// `[a-zA-Z0-9_]`.
    @inline(__always) static func isLabelNameByte(_ byte: UInt8) -> Bool {
        isNameStart(byte) || isDigit(byte)
    }

    @inline(__always) static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
