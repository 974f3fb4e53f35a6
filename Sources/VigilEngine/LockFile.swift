import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A lock file as Vigil's claims use one: an advisory `flock`, which the kernel releases when its holder
/// dies, so a crash never leaves a claim behind. The state directory's claim (``StateDirectoryLock``) and
/// the remediation turn (``RemediationTurn``) both take one.
enum LockFile {
    /// Opens (creating, mode 0644: it holds nothing a reader must not see, and a process of another user
    /// sharing the directory must open it too) the lock file at `path` to write, or, where another user
    /// made it, to read, which locks as well on a local file system. Nil, `errno` set, when neither opens.
    static func open(_ path: String) -> (descriptor: Int32, writable: Bool)? {
        var descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        let writable = descriptor >= 0
        if !writable, Glibc.errno == EACCES { descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC) }
        return descriptor >= 0 ? (descriptor, writable) : nil
    }

    /// Takes the exclusive lock without waiting: 0, or the error that refused it (`EWOULDBLOCK`: another
    /// holder has it; anything else: the file system takes no locks, or the lock itself failed).
    static func take(_ descriptor: Int32) -> Int32 {
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let reason = Glibc.errno
            if reason != EINTR { return reason }
        }
        return 0
    }
}
