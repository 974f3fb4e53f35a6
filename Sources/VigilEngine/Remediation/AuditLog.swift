import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The remediation audit log: JSON lines appended to one file, each written whole and fsynced before
/// `append` returns, so that the step it records is on disk before the next step is taken and a crash
/// (SIGKILL, power loss) loses nothing recorded. A line torn by a crash mid-write was never recorded
/// (its fsync never returned): opening the log cuts it off. A failed write (a full disk) is undone and
/// thrown (where even the undoing fails, the error says the record may still be read); the remediator
/// then applies nothing until a write succeeds again.
///
/// Several processes may append to one log (the daemon and `vigil diagnose --apply` sharing a state
/// directory): ``readNew()`` gives each what the others appended since it last read, so its guards count
/// their changes too.
public final class AuditLog: Sendable {
    public let path: String
    private let descriptor: Int32
    /// Serialises appends from this process; `flock` serialises them with other processes (the daemon
    /// and a `vigil diagnose --apply` sharing a state directory). An NSLock (a pthread mutex), not
    /// Synchronization's Mutex, which ThreadSanitizer does not see through; it also guards `reader`.
    private let lock = NSLock()
    /// Test hooks for crash tests (documented in docs/REMEDIATION.md): `VIGIL_CRASH_AFTER_AUDIT=<step>`
    /// kills the process with SIGKILL right after that step is on disk, `VIGIL_CRASH_BEFORE_AUDIT=<step>`
    /// right before it is written (for `applied`: the change is in the cluster, its record is not).
    private let crashAfter: AuditRecord.Step?
    private let crashBefore: AuditRecord.Step?
    /// How far this process has read the log (``readNew()``), guarded by `lock`.
    nonisolated(unsafe) private var reader = Reader()

    /// The offset read up to, the lines read (for line numbers), and where this process's own appends
    /// past that offset start: their writer has them already, so reading does not return them again.
    private struct Reader {
        var offset: off_t = 0
        var lines = 0
        var own: Set<off_t> = []
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Opens (creating, mode 0600) the log at `path`, first cutting off a line a crash left half written.
    public init(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(Failure) {
        self.path = path
        let directory = DurableFile.directory(of: path)
        // The directories' names it makes must survive as the log's does (`vigil diagnose --apply` on a new
        // machine makes three levels of ~/.local/state/vigil).
        if let reason = DurableFile.makeDirectory(directory) {
            throw Failure(description: "cannot make the directory of audit log \(path): \(reason)")
        }
        let descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot open audit log \(path): \(Self.errno())") }
        // Its name, if this open made it: fsynced records in a file whose name a power cut lost are lost.
        if let reason = DurableFile.syncDirectory(directory) {
            close(descriptor)
            throw Failure(description: "cannot make audit log \(path) durable: \(reason)")
        }
        self.descriptor = descriptor
        crashAfter = environment["VIGIL_CRASH_AFTER_AUDIT"].flatMap(AuditRecord.Step.init(rawValue:))
        crashBefore = environment["VIGIL_CRASH_BEFORE_AUDIT"].flatMap(AuditRecord.Step.init(rawValue:))
        do throws(Failure) {
            // Exclusively: another process's append in progress is not a torn line.
            try Self.lock(descriptor, LOCK_EX, path)
            defer { flock(descriptor, LOCK_UN) }
            try Self.cutTornTail(descriptor, path)
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Appends `record` as one line and fsyncs it. Throws when it is not on disk (nothing of it remains).
    /// ``readNew()`` does not return it: the caller has it.
    public func append(_ record: AuditRecord) throws(Failure) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(record) else {
            throw Failure(description: "cannot encode an audit record for \(record.proposal)")
        }
        let line = Array(data) + [UInt8(ascii: "\n")]
        if let crashBefore, crashBefore == record.step { kill(getpid(), SIGKILL) }
        do {
            lock.lock()
            defer { lock.unlock() }
            try Self.lock(descriptor, LOCK_EX, path)
            defer { flock(descriptor, LOCK_UN) }
            // Another writer of the log may have died mid-line since it was opened: not a record, and
            // this one must not be joined to it.
            try Self.cutTornTail(descriptor, path)
            let start = lseek(descriptor, 0, SEEK_END)
            if let reason = DurableFile.writeAll(descriptor, line) {
                throw Failure(
                    description: "cannot write the audit log \(path): \(reason)" + Self.cutBack(descriptor, to: start)
                )
            }
            guard fsync(descriptor) == 0 else {
                let reason = Self.errno()
                throw Failure(
                    description: "cannot sync the audit log \(path): \(reason)" + Self.cutBack(descriptor, to: start)
                )
            }
            reader.own.insert(start)
        }
        if let crashAfter, crashAfter == record.step { kill(getpid(), SIGKILL) }
    }

    /// The records appended since this process last read the log (the first call: the whole log) that it
    /// did not append itself, oldest first, and the lines that could not be read (with their line
    /// numbers). Only whole lines: another process's append is read once it is on disk.
    public func readNew() throws(Failure) -> (records: [AuditRecord], problems: [String]) {
        lock.lock()
        defer { lock.unlock() }
        try Self.lock(descriptor, LOCK_SH, path)
        defer { flock(descriptor, LOCK_UN) }
        let end = lseek(descriptor, 0, SEEK_END)
        // Shrunk, or replaced (this descriptor then holds the old file): what was read no longer
        // describes it, and the other writers' records would be missed.
        var opened = stat()
        var named = stat()
        guard end >= reader.offset, fstat(descriptor, &opened) == 0, stat(path, &named) == 0,
            opened.st_ino == named.st_ino, opened.st_dev == named.st_dev
        else {
            throw Failure(
                description: "the audit log \(path) was truncated or replaced while open: restart to read it anew"
            )
        }
        guard end > reader.offset else { return ([], []) }
        var bytes = [UInt8](repeating: 0, count: Int(end - reader.offset))
        var filled = 0
        while filled < bytes.count {
            let result = bytes[filled...].withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress, $0.count, reader.offset + off_t(filled))
            }
            if result < 0 && Glibc.errno == EINTR { continue }
            guard result > 0 else { throw Failure(description: "cannot read the audit log \(path): \(Self.errno())") }
            filled += result
        }
        var records: [AuditRecord] = []
        var problems: [String] = []
        var lineStart = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            let line = bytes[lineStart..<index]
            let start = reader.offset + off_t(lineStart)
            lineStart = index + 1
            reader.lines += 1
            guard !line.isEmpty, !reader.own.contains(start) else { continue }
            if let record = Self.decode(line) {
                records.append(record)
            } else {
                problems.append("\(path):\(reader.lines): not an audit record")
            }
        }
        reader.offset += off_t(lineStart)
        reader.own = reader.own.filter { $0 >= reader.offset }
        return (records, problems)
    }

    /// Every record of the log at `path`, oldest first, and the lines that could not be read (with their
    /// line numbers) — a log is read whole even when one line is bad. Only whole lines: the text after
    /// the last line break is a record being appended (this reads without the writers' lock) or one a
    /// crash cut short, which the next daemon to open the log cuts off; it is no damage.
    public static func read(path: String) throws(Failure) -> (records: [AuditRecord], problems: [String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            if !FileManager.default.fileExists(atPath: path) { return ([], []) }
            throw Failure(description: "cannot read the audit log \(path)")
        }
        var records: [AuditRecord] = []
        var problems: [String] = []
        let whole = data.lastIndex(of: UInt8(ascii: "\n")).map { data[...$0] } ?? data.prefix(0)
        for (index, line) in whole.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
        where !line.isEmpty {
            if let record = decode(line) {
                records.append(record)
            } else {
                problems.append("\(path):\(index + 1): not an audit record")
            }
        }
        return (records, problems)
    }

    private static func decode(_ line: some DataProtocol) -> AuditRecord? {
        try? JSONDecoder().decode(AuditRecord.self, from: Data(line))
    }

    /// Waits for the other writers' lock (`operation`: shared to read, exclusive to write). Throws when the
    /// file system refuses it (`ENOLCK` on some network file systems): unlocked, a torn tail cut here
    /// could be another process's append in progress, and a read could stop in the middle of one.
    private static func lock(_ descriptor: Int32, _ operation: Int32, _ path: String) throws(Failure) {
        while flock(descriptor, operation) != 0 {
            guard Glibc.errno == EINTR else {
                throw Failure(description: "cannot lock the audit log \(path): \(errno())")
            }
        }
    }

    /// Takes a failed append off the log, durably; what the failure's words add when that fails too: the
    /// record, or what was written of it, may then be read (a part of a line is a torn tail, which the
    /// next append cuts off; a whole one reads as written, though the caller was told it was not).
    private static func cutBack(_ descriptor: Int32, to start: off_t) -> String {
        guard start >= 0, ftruncate(descriptor, start) == 0, fsync(descriptor) == 0 else {
            return "; what was written of the record could not be taken back (\(errno())) and may be read"
        }
        return ""
    }

    /// Cuts the file back to its last newline: what follows it is a line whose write a crash interrupted.
    private static func cutTornTail(_ descriptor: Int32, _ path: String) throws(Failure) {
        let size = lseek(descriptor, 0, SEEK_END)
        guard size > 0 else { return }
        var offset = size
        var chunk = [UInt8](repeating: 0, count: 4096)
        search: while offset > 0 {
            let start = max(0, offset - off_t(chunk.count))
            let count = Int(offset - start)
            guard chunk.withUnsafeMutableBytes({ pread(descriptor, $0.baseAddress, count, start) }) == count else {
                throw Failure(description: "cannot read the audit log \(path): \(errno())")
            }
            for index in stride(from: count - 1, through: 0, by: -1) where chunk[index] == UInt8(ascii: "\n") {
                offset = start + off_t(index) + 1
                break search
            }
            offset = start
        }
        guard offset < size else { return }
        guard ftruncate(descriptor, offset) == 0, fsync(descriptor) == 0 else {
            throw Failure(description: "cannot repair the audit log \(path): \(errno())")
        }
    }

    static func errno() -> String { String(cString: strerror(Glibc.errno)) }
}
