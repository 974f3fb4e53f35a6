import Foundation
import Testing

@testable import VigilCore

/// The binary form of a store snapshot: exact round trips, and damage refused without a crash.
struct SnapshotCodingTests {
    func learntSnapshot(seasonal: Bool) -> StoreSnapshot {
        var parameters = EnsembleParameters()
        if !seasonal { parameters.components.remove(.seasonal) }
        let store = SeriesStore(parameters: parameters)
        let gauge = store.register(
            LabelSet([("__name__", "queue"), ("pod", "é-1")], symbols: store.symbols),
            role: .gauge
        )
        let counter = store.register(
            LabelSet([("__name__", "requests_total")], symbols: store.symbols),
            role: .cumulative
        )
        for step in 0..<400 {
            let time = 1_700_000_000 + Double(step) * 15
            store.observe(gauge, value: step == 390 ? 500 : 100 + Double(step % 5), at: time)
            store.observe(counter, value: Double(step * 10), at: time)
        }
        return store.snapshot()
    }

    func encode(_ snapshot: StoreSnapshot) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return snapshot.binaryEncoded(parameters: Array(try encoder.encode(snapshot.parameters)))
    }

    func decode(_ bytes: [UInt8]) throws -> StoreSnapshot {
        try StoreSnapshot.decodeBinary(bytes) { try JSONDecoder().decode(EnsembleParameters.self, from: Data($0)) }
    }

    @Test(arguments: [false, true])
    func roundTripsBitForBit(seasonal: Bool) throws {
        let snapshot = learntSnapshot(seasonal: seasonal)
        let bytes = try encode(snapshot)
        let decoded = try decode(bytes)
        // Re-encoding gives the same bytes: every field, NaNs and infinities included, came back exactly.
        #expect(try encode(decoded) == bytes)
        #expect(decoded.series.map(\.labels) == snapshot.series.map(\.labels))
        #expect(decoded.series[0].detector.seasonal?.bins.count == (seasonal ? 24 : nil))
        // The 8-byte bins are written as the levels they store and read back to the same bits.
        #expect(decoded.series[0].detector.seasonal == snapshot.series[0].detector.seasonal)
        #expect(decoded.series[0].detector.deviatingSince == snapshot.series[0].detector.deviatingSince)
        #expect(decoded.parameters == snapshot.parameters)
    }

    @Test func aProfileOverAnotherPeriodIsRefused() throws {
        // Profiles take their period from the settings; a checkpoint whose profile was learnt over
        // another period (written by hand, or damaged) is refused, not read as a daily one.
        let snapshot = learntSnapshot(seasonal: true)
        let bytes = try encode(snapshot)
        let day = withUnsafeBytes(of: Double(86_400).bitPattern.littleEndian) { Array($0) }
        let offsets = (0...(bytes.count - 8)).filter { Array(bytes[$0..<$0 + 8]) == day }
        // The gauge's profile; the counter never varied its rate.
        let offset = try #require(offsets.count == 1 ? offsets.first : nil)
        var other = bytes
        let week = withUnsafeBytes(of: Double(604_800).bitPattern.littleEndian) { Array($0) }
        other.replaceSubrange(offset..<offset + 8, with: week)
        #expect(throws: StoreSnapshot.DecodingError.self) { try decode(other) }
    }

    @Test(arguments: [Double.nan, -1, .infinity])
    func aRecordThatNoUpdateLeavesIsRefused(_ value: Double) throws {
        // A NaN record would score every later sample 1 (`max(NaN, evidence)` stays NaN). The stage's
        // sustained record is the series's last 8 bytes.
        var bytes = try encode(learntSnapshot(seasonal: false))
        #expect(throws: Never.self) { try decode(bytes) }
        let damaged = withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        bytes.replaceSubrange((bytes.count - 8)..<bytes.count, with: damaged)
        #expect(throws: StoreSnapshot.DecodingError.self) { try decode(bytes) }
    }

    @Test(arguments: [(Double.nan, 0), (.infinity, 0), (.nan, 1), (-1, 1), (.infinity, 1)])
    func aBaselineThatNoUpdateLeavesIsRefused(_ value: Double, field: Int) throws {
        // A NaN level mean read back makes every later deviation NaN: the series would never alarm again.
        // The gauge's level baseline is its detector's first 16 bytes: the mean, then the spread.
        let snapshot = learntSnapshot(seasonal: false)
        let level = snapshot.series[0].detector.level
        var bytes = try encode(snapshot)
        let written = withUnsafeBytes(of: level.mean.bitPattern.littleEndian) { Array($0) }
        let offsets = (0...(bytes.count - 8)).filter { Array(bytes[$0..<$0 + 8]) == written }
        let offset = try #require(offsets.first) + 8 * field
        #expect(try decode(bytes).series[0].detector.level == level)
        let damaged = withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        bytes.replaceSubrange(offset..<offset + 8, with: damaged)
        #expect(throws: StoreSnapshot.DecodingError.self) { try decode(bytes) }
    }

    @Test(arguments: [Double.nan, .infinity])
    func aPreviousSampleThatNoInputLeavesIsRefused(_ value: Double) throws {
        // A NaN previous sample read back makes the next step NaN, and the step baseline's mean with it.
        // The gauge's last sample was 104, written after a presence byte.
        var bytes = try encode(learntSnapshot(seasonal: false))
        let written = [1] + withUnsafeBytes(of: Double(104).bitPattern.littleEndian) { Array($0) }
        let offset = try #require((0...(bytes.count - 9)).first { Array(bytes[$0..<$0 + 9]) == written }) + 1
        #expect(try decode(bytes).series[0].detector.previousValue == 104)
        let damaged = withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        bytes.replaceSubrange(offset..<offset + 8, with: damaged)
        #expect(throws: StoreSnapshot.DecodingError.self) { try decode(bytes) }
    }

    @Test func everyTruncationAndCorruptionIsRefusedNotCrashed() throws {
        let bytes = try encode(learntSnapshot(seasonal: true))
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: (any Error).self) { try decode(Array(bytes[..<length])) }
        }
        #expect(throws: (any Error).self) { try decode(bytes + [0]) }
        var huge = bytes
        // The length-prefixed JSON, then the series count.
        let countOffset = 4 + Int(bytes[0]) + Int(bytes[1]) << 8 + Int(bytes[2]) << 16
        huge.replaceSubrange(countOffset..<countOffset + 8, with: [UInt8](repeating: 0xFF, count: 8))
        #expect(throws: StoreSnapshot.DecodingError.self) { try decode(huge) }
    }
}
