import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The steps that make a file Vigil keeps survive a power loss, shared by the audit log, the checkpoint
/// and the state directory: every byte written (a short write or EINTR retried), and a name made in a
/// directory flushed with that directory — fsync(2): a file's own fsync does not make the entry that
/// names it durable, so a log created and written could lose its name, and every record in it, to a
/// power cut just after.
public enum DurableFile {
    /// Writes all of `bytes` at `descriptor`'s offset: nil, or the reason it stopped (a write that wrote
    /// nothing is one, not a loop).
    static func writeAll(_ descriptor: Int32, _ bytes: some Collection<UInt8>) -> String? {
        let bytes = Array(bytes)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 && Glibc.errno == EINTR { continue }
            guard result > 0 else { return result < 0 ? AuditLog.errno() : "nothing written" }
            written += result
        }
        return nil
    }

    /// Flushes `directory`, so that an entry made or renamed in it survives a power loss: nil, or why not.
    public static func syncDirectory(_ directory: String) -> String? {
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return "cannot open \(directory) to flush it: \(AuditLog.errno())" }
        defer { close(descriptor) }
        return fsync(descriptor) == 0 ? nil : "cannot flush \(directory): \(AuditLog.errno())"
    }

    /// The directory that holds `path`.
    public static func directory(of path: String) -> String { (path as NSString).deletingLastPathComponent }
}
