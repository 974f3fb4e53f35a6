import Foundation
import Testing
import VigilTestKit

@testable import VigilCore
@testable import VigilEngine

/// Checkpoints: what is written reads back the same, and nothing damaged is ever trusted.
struct StateCheckpointTests {
    let temporary = try! TemporaryDirectory("ckpt")
    var directory: String { temporary.url.path }

    /// A store that has learnt something: three series, one a counter, 50 samples each.
    func learntStore(parameters: EnsembleParameters = EnsembleParameters()) -> SeriesStore {
        let store = SeriesStore(parameters: parameters)
        let refs = ["a", "b", "c_total"].map {
            store.register(
                LabelSet([("__name__", $0), ("job", "x")], symbols: store.symbols),
                role: $0.hasSuffix("_total") ? .cumulative : .gauge
            )
        }
        for step in 0..<50 {
            for (index, ref) in refs.enumerated() {
                store.observe(ref, value: Double(step * (index + 1)) + .pi, at: 1_700_000_000 + Double(step) * 15)
            }
        }
        return store
    }

    @Test func aCheckpointReadsBackExactlyAndRestoresTheDetectors() throws {
        let store = learntStore()
        let checkpoint = StateCheckpoint(directory: directory)
        try checkpoint.write(store.snapshot())
        let snapshot = try #require(try checkpoint.read())
        // Compared as encoded bytes: a NaN (a counter's "no previous value") is never == itself.
        #expect(try encoded(snapshot) == encoded(store.snapshot()))
        let restored = SeriesStore()
        #expect(restored.restore(snapshot))
        #expect(try encoded(restored.snapshot()) == encoded(store.snapshot()))
        // The restored store goes on exactly as the original would.
        let ref = StoreRef(index: 0)
        store.observe(ref, value: 500, at: 1_700_001_000)
        restored.observe(ref, value: 500, at: 1_700_001_000)
        #expect(restored.score(of: ref) == store.score(of: ref))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["detectors.checkpoint"])
        // Only Vigil's user reads it: it holds every label value scraped (it was 0644).
        let permissions = try FileManager.default.attributesOfItem(atPath: checkpoint.path)[.posixPermissions]
        #expect(permissions as? Int == 0o600)
    }

    /// A write that fails after its temporary file was made (here the rename, over a directory) took the
    /// temporary file's room on the volume for good, and the next failure as much again.
    @Test func aFailedWriteLeavesNoTemporaryFile() throws {
        let checkpoint = StateCheckpoint(directory: directory)
        try FileManager.default.createDirectory(atPath: checkpoint.path + "/x", withIntermediateDirectories: true)
        #expect(throws: StateCheckpoint.Refusal.self) { try checkpoint.write(learntStore().snapshot()) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["detectors.checkpoint"])
    }

    /// A write a kill cut short leaves its temporary file (only a failing write removes its own), and the
    /// next process, of another pid, never touched it: each the size of a checkpoint, kept for good. The
    /// directory's writer removes them, and nothing else.
    @Test func whatCutShortWritesLeftIsRemoved() throws {
        let checkpoint = StateCheckpoint(directory: directory)
        try checkpoint.write(learntStore().snapshot())
        let names = [
            "detectors.checkpoint.4242.tmp", "detectors.checkpoint.77.tmp", "detectors.checkpoint.x.tmp",
            "detectors.checkpoint..tmp", "detectors.checkpoint.bak", "other.4242.tmp",
        ]
        for name in names { #expect(FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data())) }

        #expect(checkpoint.removeLeftovers() == ["detectors.checkpoint.4242.tmp", "detectors.checkpoint.77.tmp"])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
                == [
                    "detectors.checkpoint", "detectors.checkpoint..tmp", "detectors.checkpoint.bak",
                    "detectors.checkpoint.x.tmp", "other.4242.tmp",
                ]
        )
        #expect(try checkpoint.read() != nil)
    }

    /// A checkpoint path that is no regular file (a FIFO; a link to `/dev/zero`) was read whole before
    /// any check: a hang, or memory without bound. It is refused at once.
    @Test func aCheckpointThatIsNoRegularFileIsRefused() throws {
        let checkpoint = StateCheckpoint(directory: directory)
        #expect(mkfifo(checkpoint.path, 0o600) == 0)
        #expect(throws: StateCheckpoint.Refusal(description: "\(checkpoint.path): not a regular file")) {
            try checkpoint.read()
        }
        try FileManager.default.removeItem(atPath: checkpoint.path)
        try FileManager.default.createSymbolicLink(atPath: checkpoint.path, withDestinationPath: "/dev/zero")
        #expect(throws: StateCheckpoint.Refusal(description: "\(checkpoint.path): not a regular file")) {
            try checkpoint.read()
        }
    }

    /// A snapshot's checkpoint bytes: every field, NaNs and infinities included, exactly.
    func encoded(_ snapshot: StoreSnapshot) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return snapshot.binaryEncoded(parameters: Array(try encoder.encode(snapshot.parameters)))
    }

    @Test func noCheckpointIsNil() throws {
        #expect(try StateCheckpoint(directory: directory).read() == nil)
    }

    func damaged(_ change: (inout [UInt8]) -> Void) throws -> StateCheckpoint.Refusal? {
        let checkpoint = StateCheckpoint(directory: directory)
        try checkpoint.write(learntStore().snapshot())
        var bytes = Array(FileManager.default.contents(atPath: checkpoint.path)!)
        change(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: checkpoint.path))
        do {
            _ = try checkpoint.read()
            return nil
        } catch {
            return error
        }
    }

    /// A refused checkpoint is moved aside whole, so the next checkpoint does not write over it.
    @Test func aRefusedCheckpointIsSetAsideWhole() throws {
        let checkpoint = StateCheckpoint(directory: directory)
        try checkpoint.write(learntStore().snapshot())
        let bytes = FileManager.default.contents(atPath: checkpoint.path)
        let aside = try checkpoint.setAside()
        #expect(aside == checkpoint.path + ".refused")
        #expect(try checkpoint.read() == nil)
        #expect(FileManager.default.contents(atPath: aside) == bytes)
        try checkpoint.write(learntStore().snapshot())
        #expect(FileManager.default.contents(atPath: aside) == bytes)
        // Refused again (the configuration corrected refuses what the mistaken one wrote): the first
        // refused stays, the later goes beside it.
        #expect(try checkpoint.setAside() == checkpoint.path + ".refused.latest")
        #expect(FileManager.default.contents(atPath: aside) == bytes)
    }

    @Test func aTruncatedCheckpointIsRefused() throws {
        let refusal = try #require(try damaged { $0.removeLast($0.count / 3) })
        #expect(refusal.description.contains("truncated checkpoint"))
    }

    @Test func aFlippedBitIsRefused() throws {
        let refusal = try #require(try damaged { $0[$0.count - 40] ^= 0x04 })
        #expect(refusal.description.contains("checksum mismatch"))
    }

    @Test func aForeignFileIsRefused() throws {
        let refusal = try #require(try damaged { $0 = Array("{\"some\": \"json\"}\n\n".utf8) })
        #expect(refusal.description.contains("not a Vigil checkpoint"))
        let empty = try #require(try damaged { $0 = [] })
        #expect(empty.description.contains("not a Vigil checkpoint"))
    }

    @Test func aLaterFormatVersionIsRefused() throws {
        let refusal = try #require(
            try damaged { bytes in
                let index = bytes.firstIndex(of: UInt8(ascii: "\n"))!
                bytes.replaceSubrange(0..<index, with: Array("vigil-checkpoint 5".utf8))
            }
        )
        #expect(refusal.description.contains("checkpoint format 5 is not 4"))
    }

    /// Version 1 stored no previous timestamp per detector, version 2 no sustained deviation: their bytes
    /// read in today's layout would shift every later field (and version 2's, read with the deviation's
    /// record at zero, would alarm on every series's first lasting deviation). Such a checkpoint is
    /// refused (the daemon logs it and starts fresh), whatever its payload.
    @Test(arguments: [1, 2])
    func aCheckpointOfAnEarlierLayoutIsRefusedNotMisread(version: Int) throws {
        let refusal = try #require(
            try damaged { bytes in
                let index = bytes.firstIndex(of: UInt8(ascii: "\n"))!
                bytes.replaceSubrange(0..<index, with: Array("vigil-checkpoint \(version)".utf8))
            }
        )
        #expect(refusal.description.contains("checkpoint format \(version) is not 4"))
    }

    /// Version 3 counted the warm-up in samples; its checkpoint is read with each count taken as that
    /// many reference intervals, so a series past its warm-up stays past it and one in it stays in it.
    @Test func aVersion3CheckpointIsReadWithItsCountsOfSamplesInTime() throws {
        let store = learntStore()
        var older = store.snapshot()
        older.series[0].detector.stage.elapsed = 301  // samples: past the 300 of the warm-up
        older.series[1].detector.stage.elapsed = 299
        older.series[2].detector.stage.elapsed = .max
        let checkpoint = StateCheckpoint(directory: directory)
        try checkpoint.write(older)
        var bytes = Array(FileManager.default.contents(atPath: checkpoint.path)!)
        let index = bytes.firstIndex(of: UInt8(ascii: "\n"))!
        bytes.replaceSubrange(0..<index, with: Array("vigil-checkpoint 3".utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: checkpoint.path))
        let read = try #require(try checkpoint.read()).series.map(\.detector.stage)
        #expect(read.map(\.elapsed) == [301 << 20, 299 << 20, .max])
        #expect(read.map { $0.isWarm(after: 300) } == [true, false, true])
        // Today's version reads its counts as they are.
        try checkpoint.write(older)
        #expect(try #require(try checkpoint.read()).series.map(\.detector.stage.elapsed) == [301, 299, .max])
    }

    @Test func aValidFileWithAWrongPayloadIsRefused() throws {
        let payload = Array("[1,2,3]".utf8)
        var file = Array("vigil-checkpoint \(StateCheckpoint.version)\n".utf8)
        file += Array(
            String(format: "%016llx %016llx\n", UInt64(payload.count), StateCheckpoint.checksum(payload)).utf8
        )
        file += payload
        let checkpoint = StateCheckpoint(directory: directory)
        try Data(file).write(to: URL(fileURLWithPath: checkpoint.path))
        #expect {
            try checkpoint.read()
        } throws: { error in
            (error as? StateCheckpoint.Refusal)?.description.contains("does not decode") == true
        }
    }

    @Test func stateLearntUnderOtherSettingsIsNotReused() throws {
        let snapshot = learntStore().snapshot()
        var other = EnsembleParameters()
        other.components.remove(.seasonal)
        let store = SeriesStore(parameters: other)
        #expect(!store.restore(snapshot))
        #expect(store.count == 0)
    }
}
