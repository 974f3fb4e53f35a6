import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One `vigil run`'s claim on its state directory, held for its whole life, as Prometheus holds the
/// `lock` file of its data directory. Two daemons on one directory would each restore the checkpoint
/// the other wrote (another shard's or another cluster's series, learnt from other targets) and each
/// overwrite it with its own, every checkpoint interval. `vigil diagnose --apply` does not claim it: it
/// shares the audit log with the daemon on purpose, taking its turn (``RemediationTurn``).
///
/// An advisory lock (`flock`) on `vigil.lock`, which the kernel releases when its holder dies, so a
/// crash never leaves the directory claimed; the file names the holder (process id and host name) for
/// the message the next claimant prints.
public final class StateDirectoryLock: Sendable {
    public let path: String
    private let descriptor: Int32

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
        /// The daemon must not start: another process holds the claim, or the lock file cannot be opened.
        /// False only where the file system takes no locks (NFS without lockd): the daemon may go on
        /// unclaimed, as it ran before the claim existed.
        public let fatal: Bool
    }

    /// Claims `directory`, which must exist; throws at once, naming the holder, when another process has.
    public init(directory: String, host: String = ProcessInfo.processInfo.hostName) throws(Failure) {
        path = (directory as NSString).appendingPathComponent("vigil.lock")
        // Made by another user (a daemon once run as root): it still locks when opened to read.
        guard let (descriptor, writable) = LockFile.open(path) else {
            throw Failure(description: "cannot open \(path): \(AuditLog.errno())", fatal: true)
        }
        let reason = LockFile.take(descriptor)
        if reason != 0 {
            let holder = Self.holder(descriptor)
            close(descriptor)
            guard reason == EWOULDBLOCK else {
                // No locks here (NFS without lockd, some FUSE and 9p file systems), not another holder.
                let unsupported = [ENOLCK, EOPNOTSUPP, ENOSYS, EINVAL].contains(reason)
                throw Failure(
                    description: "cannot lock \(path): \(String(cString: strerror(reason)))",
                    fatal: !unsupported
                )
            }
            throw Failure(
                description:
                    "state_dir \(directory) is in use by another vigil run\(holder.map { " (its lock file names \($0))" } ?? ""): give each daemon its own state_dir",
                fatal: true
            )
        }
        self.descriptor = descriptor
        // Who holds it, for the next claimant's message; the lock, not this text, is the claim.
        let holder = Array("pid \(getpid()) on \(host)\n".utf8)
        if writable, ftruncate(descriptor, 0) == 0 {
            _ = holder.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
    }

    deinit { close(descriptor) }

    /// What the holder wrote in the file: its process id and host; nil when it wrote nothing readable.
    private static func holder(_ descriptor: Int32) -> String? {
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
