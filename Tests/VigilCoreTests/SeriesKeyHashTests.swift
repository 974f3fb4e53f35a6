import Foundation
import Testing

@testable import VigilCore

/// The hash a series cache keeps instead of a series's bytes.
struct SeriesKeyHashTests {
    let hasher = SeriesKeyHash(seeds: (0x1234_5678, 0x9abc_def0))

    func digest(_ bytes: [UInt8]) -> SeriesKeyHash.Digest {
        bytes.withUnsafeBytes { hasher.hash($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, count: $0.count) }
    }

    @Test func everySeriesOfALargeExpositionHasItsOwnDigestInBothHalves() {
        let body = SyntheticExposition.generate(.kubeStateMetrics, samples: 100_000, seed: 3)
        var series = Set<[UInt8]>()
        for line in body.split(separator: UInt8(ascii: "\n")) where line.first != UInt8(ascii: "#") {
            series.insert(Array(line[..<line.lastIndex(of: UInt8(ascii: " "))!]))
        }
        #expect(series.count > 90_000)
        let digests = series.map(digest)
        #expect(Set(digests).count == series.count)
        #expect(Set(digests.map(\.low)).count == series.count)
        #expect(Set(digests.map(\.high)).count == series.count)
    }

    @Test func everyLengthAndEveryByteCounts() {
        // Lengths across each branch (0, 1–3, 4–16, longer, and not a multiple of 16), and one changed
        // byte at every position of each.
        var seen = Set<SeriesKeyHash.Digest>()
        for length in 0...70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            #expect(seen.insert(digest(bytes)).inserted, "length \(length)")
            for position in 0..<length {
                var changed = bytes
                changed[position] ^= 0x01
                #expect(seen.insert(digest(changed)).inserted, "length \(length), byte \(position)")
            }
        }
        // Zero bytes of different lengths differ too (the length is hashed in).
        #expect(digest([0]) != digest([0, 0]))
    }

    @Test func itReadsOnlyTheBytesItIsGiven() {
        // The same bytes at the very end of an allocation and in the middle of a larger one hash alike.
        for length in [1, 3, 5, 15, 16, 17, 33] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ 100) }
            let exact = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 1)
            defer { exact.deallocate() }
            exact.copyBytes(from: bytes)
            let padded = [0xEE] + bytes + [0xEE, 0xEE]
            let inside = padded.withUnsafeBytes { hasher.hash($0.baseAddress! + 1, count: length) }
            #expect(hasher.hash(exact.baseAddress!, count: length) == inside)
        }
    }

    @Test func theSeedsChangeEveryDigest() {
        let other = SeriesKeyHash(seeds: (0x1234_5679, 0x9abc_def0))
        let bytes = Array("kube_pod_info{namespace=\"shop\",pod=\"cart-1\"}".utf8)
        let mine = digest(bytes)
        let theirs = bytes.withUnsafeBytes { other.hash($0.baseAddress!, count: $0.count) }
        #expect(mine.low != theirs.low)
        #expect(mine.high == theirs.high)  // only the first lane's seed differs
        #expect(SeriesKeyHash().hash(bytes, count: bytes.count) != SeriesKeyHash().hash(bytes, count: bytes.count))
    }
}
