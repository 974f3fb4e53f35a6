import Foundation
import VigilCore
import VigilYAML

/// A checkpoint file of what the detectors learnt, written so that no crash can leave a file that
/// reads back wrong: the payload goes to a temporary file in the same directory (the writer's own,
/// removed when the write fails), is flushed to disk, and is renamed over the old checkpoint (atomic on
/// POSIX), then the directory is flushed too. Only Vigil's user may read it (0600).
///
/// Layout: a text line naming the format and its version, then the payload's length and its FNV-1a
/// 64-bit checksum as 16 hex digits each, then the payload (the snapshot in the binary form of
/// ``StoreSnapshot/binaryEncoded(parameters:)``, led by the detector settings as JSON). Anything that does
/// not match — a truncated file, a flipped bit, another program's file, a later version — is refused
/// with the reason; the caller logs it and starts fresh.
public struct StateCheckpoint: Sendable {
    public static let magic = "vigil-checkpoint"
    /// 2: each detector also keeps its previous sample's timestamp (learning is paced by time). A
    /// version-1 checkpoint is refused, never read into the new layout.
    /// 3: each detector also keeps its sustained deviation and that deviation's record. A version-2
    /// checkpoint is refused too: read with that record at zero, every series past its warm-up would take
    /// its first lasting deviation for a record and alarm, all at once after an upgrade.
    /// 4: the record stage counts its warm-up in time, not samples (``RecordRatio``). A version-3
    /// checkpoint is read, each of its counts of samples taken as that many reference intervals
    /// (``StoreSnapshot/countWarmUpInTime()``), so no series past its warm-up goes back into it.
    public static let version = 4
    /// The earlier version still read.
    static let samplesCountedVersion = 3

    public let path: String

    public init(directory: String) {
        path = (directory as NSString).appendingPathComponent("detectors.checkpoint")
    }

    /// Removes the temporary files of writes a crash or a kill cut short (`detectors.checkpoint.<pid>.tmp`:
    /// only a write that fails removes its own), each the size of a checkpoint, kept for good where the
    /// next process has another pid. Only for the directory's one writer: its claim's holder. Returns
    /// the names removed.
    @discardableResult
    public func removeLeftovers() -> [String] {
        let directory = DurableFile.directory(of: path)
        let prefix = PathSplit.lastComponent(of: path) + "."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().filter { name in
            guard name.hasPrefix(prefix), name.hasSuffix(".tmp") else { return false }
            let pid = name.dropFirst(prefix.count).dropLast(4)
            return !pid.isEmpty && pid.allSatisfy(\.isASCII) && pid.allSatisfy(\.isNumber)
                && unlink((directory as NSString).appendingPathComponent(name)) == 0
        }
    }

    /// Why a checkpoint was not used.
    public struct Refusal: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// Writes `snapshot` atomically; returns the bytes written.
    @discardableResult
    public func write(_ snapshot: StoreSnapshot) throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // the same state gives the same bytes
        let payload = snapshot.binaryEncoded(parameters: Array(try encoder.encode(snapshot.parameters)))
        var file = Array("\(Self.magic) \(Self.version)\n".utf8)
        file += Array(Self.hex(UInt64(payload.count)).utf8) + [UInt8(ascii: " ")]
        file += Array(Self.hex(Self.checksum(payload)).utf8) + [UInt8(ascii: "\n")]
        file += payload
        // Named by the process, so two writers of one directory (a second daemon by mistake) never write
        // into one temporary file; removed when the write fails, so a full disk is not kept full by it.
        let temporary = "\(path).\(getpid()).tmp"
        do {
            try Self.writeDurably(file, to: temporary)
            guard rename(temporary, path) == 0 else {
                throw Refusal(description: "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temporary)
            throw error
        }
        try Self.syncDirectory(of: path)
        return file.count
    }

    /// The snapshot in the checkpoint file; nil when there is none; a ``Refusal`` saying what is wrong
    /// with a file that exists but cannot be trusted.
    public func read() throws(Refusal) -> StoreSnapshot? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        // Read once, in one buffer of the file's size, and only a regular file: a FIFO or a link to a
        // device (`/dev/zero`) would hang or fill memory, and the whole file copied twice more (as
        // `Data`, then the payload) tripled a large checkpoint's peak at start.
        var bytes = try Self.contents(of: path)
        guard let firstLineEnd = bytes.firstIndex(of: UInt8(ascii: "\n")),
            let secondLineEnd = bytes[(firstLineEnd + 1)...].firstIndex(of: UInt8(ascii: "\n"))
        else { throw Refusal(description: "\(path): not a Vigil checkpoint (no header)") }
        let header = String(decoding: bytes[..<firstLineEnd], as: UTF8.self)
        guard header.hasPrefix(Self.magic + " ") else {
            throw Refusal(description: "\(path): not a Vigil checkpoint (header \(header.prefix(40).debugDescription))")
        }
        let samplesCounted = header == "\(Self.magic) \(Self.samplesCountedVersion)"
        guard header == "\(Self.magic) \(Self.version)" || samplesCounted else {
            throw Refusal(
                description:
                    "\(path): checkpoint format \(header.dropFirst(Self.magic.count + 1)) is not \(Self.version)"
            )
        }
        let fields = String(decoding: bytes[(firstLineEnd + 1)..<secondLineEnd], as: UTF8.self).split(separator: " ")
        guard fields.count == 2, let length = UInt64(fields[0], radix: 16), let sum = UInt64(fields[1], radix: 16)
        else { throw Refusal(description: "\(path): damaged checkpoint header") }
        // The header off the front, in place: what is left is the payload, in the buffer read.
        bytes.removeSubrange(...secondLineEnd)
        let payload = consume bytes
        guard UInt64(payload.count) == length else {
            throw Refusal(description: "\(path): truncated checkpoint (\(payload.count) of \(length) payload bytes)")
        }
        guard Self.checksum(payload) == sum else {
            throw Refusal(description: "\(path): checkpoint checksum mismatch (the file is corrupt)")
        }
        do {
            var snapshot = try StoreSnapshot.decodeBinary(payload) {
                try JSONDecoder().decode(EnsembleParameters.self, from: Data($0))
            }
            if samplesCounted { snapshot.countWarmUpInTime() }
            return snapshot
        } catch {
            throw Refusal(description: "\(path): checkpoint payload does not decode: \(error)")
        }
    }

    /// Moves a checkpoint that was not used aside and returns where: the next checkpoint would write over
    /// it, and one refused for a later version (a rollback) or other detector settings (a mistaken
    /// configuration) is what the operator needs back. The first refused stays at `<path>.refused`
    /// (likely the good one: a mistaken configuration refuses it, then writes its own, which the
    /// corrected one refuses in turn); later ones go to `<path>.refused.latest`, so two files at most.
    public func setAside() throws(Refusal) -> String {
        let first = path + ".refused"
        let aside = FileManager.default.fileExists(atPath: first) ? first + ".latest" : first
        guard rename(path, aside) == 0 else {
            throw Refusal(description: "cannot rename \(path) to \(aside): \(String(cString: strerror(errno)))")
        }
        try Self.syncDirectory(of: path)
        return aside
    }

    static func checksum(_ bytes: [UInt8]) -> UInt64 {
        FNV1a.hash(bytes)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The whole of the regular file at `path`.
    private static func contents(of path: String) throws(Refusal) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw Refusal(description: "\(path): cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw Refusal(description: "\(path): not a regular file")
        }
        let size = Int(status.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let result = bytes.withUnsafeMutableBytes {
                Foundation.read(descriptor, $0.baseAddress! + filled, size - filled)
            }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else {
                throw Refusal(
                    description: result == 0
                        ? "\(path): changed while it was read"
                        : "\(path): cannot be read: \(String(cString: strerror(errno)))"
                )
            }
            filled += result
        }
        return bytes
    }

    private static func writeDurably(_ bytes: [UInt8], to path: String) throws {
        // Only Vigil's user reads it: it holds every label value scraped.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw Refusal(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        if let reason = DurableFile.writeAll(descriptor, bytes) {
            throw Refusal(description: "cannot write \(path): \(reason)")
        }
        guard fsync(descriptor) == 0 else {
            throw Refusal(description: "cannot flush \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes the directory holding `path`, so a rename in it survives a power loss; a failure says so
    /// (the checkpoint is then not known to be on disk).
    private static func syncDirectory(of path: String) throws(Refusal) {
        if let reason = DurableFile.syncDirectory(DurableFile.directory(of: path)) {
            throw Refusal(description: reason)
        }
    }
}
