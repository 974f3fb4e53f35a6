import Foundation
import VigilYAML

#if canImport(Glibc)
import Glibc
#endif

/// Which process remediates from a state directory now. The daemon and `vigil diagnose --apply` may share
/// one; each takes a turn for a whole round (or approval) — reading what the other appended, checking the
/// guards, making its changes and recording their answers — so neither judges a log the other is in the
/// middle of writing: an `applying` not yet answered is a crash's, never a live change still on the wire.
/// An advisory lock (`flock`) on `remediation.lock` in the directory that holds the audit log, which the
/// kernel releases when its holder dies, so a crash never leaves the turn taken. A file opened for
/// writing, not the directory itself: NFS emulates `flock` with byte-range locks, which need one.
public final class RemediationTurn: Sendable {
    public let path: String
    private let descriptor: Int32

    /// The turn at the directory of the audit log at `log` (creating its lock file: ``LockFile/open(_:)``).
    public init(beside log: String) throws(AuditLog.Failure) {
        path = Self.directory(of: log) + "/remediation.lock"
        guard let (descriptor, _) = LockFile.open(path) else {
            throw AuditLog.Failure(description: "cannot open \(path): \(AuditLog.errno())")
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The directory of the file `log` names, a symbolic link to it followed: two processes that reach one
    /// log by different paths must share one turn (a link to its directory needs nothing: the lock file
    /// reached through it is the same file). A log that is not a regular file (not made yet, or a device
    /// such as /dev/full) keeps the directory it is named in, so no lock file is made beside a device.
    static func directory(of log: String) -> String {
        var status = stat()
        if stat(log, &status) == 0, status.st_mode & S_IFMT == S_IFREG, let file = realpath(log, nil) {
            defer { free(file) }
            return PathSplit.directory(of: String(cString: file))
        }
        let directory = PathSplit.directory(of: log)
        return directory.isEmpty ? "." : directory
    }

    /// Takes the turn if no other holder has it; false, at once, if one does. Throws when the lock itself
    /// fails (a file system without locks): that is not another process's turn.
    public func take() throws(AuditLog.Failure) -> Bool {
        switch LockFile.take(descriptor) {
        case 0: return true
        case EWOULDBLOCK: return false
        case let reason:
            throw AuditLog.Failure(description: "cannot lock \(path): \(String(cString: strerror(reason)))")
        }
    }

    public func end() { flock(descriptor, LOCK_UN) }
}
