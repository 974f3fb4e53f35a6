import Foundation
import VigilYAML

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
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> String? {
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
    /// A file system that cannot flush a directory (EINVAL: some FUSE and network ones) keeps its names
    /// by its own rules, as PostgreSQL takes it: not a failure.
    public static func syncDirectory(_ directory: String) -> String? {
        let directory = directory.isEmpty ? "." : directory
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return "cannot open \(directory) to flush it: \(AuditLog.errno())" }
        defer { close(descriptor) }
        return fsync(descriptor) == 0 || Glibc.errno == EINVAL ? nil : "cannot flush \(directory): \(AuditLog.errno())"
    }

    /// Makes the directory `path` and each missing parent, one level at a time, each flushed with the
    /// directory that holds it: nil, or a sentence saying why not (a regular file in the way).
    public static func makeDirectory(_ path: String) -> String? {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            var status = stat()
            if stat(prefix, &status) == 0 {
                guard status.st_mode & S_IFMT == S_IFDIR else {
                    return prefix == path ? "exists and is not a directory" : "\(prefix) is not a directory"
                }
            } else if mkdir(prefix, 0o755) == 0 {
                if let reason = syncDirectory(directory(of: prefix)) { return reason }
            } else if Glibc.errno != EEXIST {
                return "cannot create \(prefix): \(AuditLog.errno())"
            }
            prefix += "/"
        }
        return nil
    }

    /// The directory that holds `path`.
    public static func directory(of path: String) -> String { PathSplit.directory(of: path) }
}
