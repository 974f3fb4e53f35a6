import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Which process remediates from a state directory now. The daemon and `vigil diagnose --apply` may share
/// one; each takes a turn for a whole round (or approval) — reading what the other appended, checking the
/// guards, making its changes and recording their answers — so neither judges a log the other is in the
/// middle of writing: an `applying` not yet answered is a crash's, never a live change still on the wire.
/// An advisory lock (`flock`) on the directory that holds the audit log: nothing to create or clean up,
/// and the kernel releases it when its holder dies, so a crash never leaves the turn taken.
public final class RemediationTurn: Sendable {
    public let path: String
    private let descriptor: Int32

    /// The turn at the directory of the audit log at `log`.
    public init(beside log: String) throws(AuditLog.Failure) {
        let directory = (log as NSString).deletingLastPathComponent
        path = directory.isEmpty ? "." : directory
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw AuditLog.Failure(
                description: "cannot open \(path): \(String(cString: strerror(Glibc.errno)))"
            )
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Takes the turn if no other holder has it; false, at once, if one does.
    public func take() -> Bool {
        while true {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
            if Glibc.errno != EINTR { return false }
        }
    }

    public func end() { flock(descriptor, LOCK_UN) }
}
