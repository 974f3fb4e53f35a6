import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Kills a test's long-running child — a Debian service, `vigil run`, a fixture server — when the test
/// process dies, however it dies. Without it, a killed or crashed test run left Prometheus,
/// Alertmanager and node_exporter running under init, holding the standard error they inherited: a
/// `swift test` reading that pipe to its end waited until CI's time limit.
///
/// The child runs as itself (the same process id: a test's signals reach it, its exit status is its
/// own), started by a small Python launcher that forks a watcher and then becomes the program. The
/// watcher holds nothing but the child's standard input, a pipe whose write end only this process
/// holds (close-on-exec, so no other child inherits it): when this process is gone the watcher reads
/// end-of-file and kills the child. It checks first that the child is still its parent, so a child that
/// has ended (its pid perhaps reused) is never signalled; and it exits within a second of the child.
public final class OrphanGuard: @unchecked Sendable {
    private let input: Pipe

    /// The watcher's PID is not known to the test, and it needs none: it ends with the child.
    /// `PYTHONCOERCECLOCALE=0` keeps Python from adding `LC_CTYPE` to the environment the child gets.
    /// The child starts with no signal blocked and none ignored, as a service manager starts it: the
    /// test thread that spawns it may block SIGTERM (an exec hands the mask on), and Python ignores
    /// SIGPIPE and SIGXFSZ.
    static let launcher = """
        import os, select, signal, sys
        del os.environ["PYTHONCOERCECLOCALE"]
        child = os.getpid()
        if os.fork() == 0:
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.closerange(3, 1 << 16)
            while os.getppid() == child:
                if select.select([0], [], [], 1.0)[0] and not os.read(0, 65536):
                    if os.getppid() == child:
                        os.kill(child, signal.SIGKILL)
                    break
            os._exit(0)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        os.execv(sys.argv[1], sys.argv[1:])
        """

    private init(input: Pipe) { self.input = input }

    /// Runs `process` as `executable ARGUMENTS` under a guard; everything else about it (environment,
    /// directory, output) is set beforehand as usual. Keep the guard as long as the child should live.
    public static func run(_ process: Process, _ executable: URL, _ arguments: [String]) throws -> OrphanGuard {
        let input = Pipe()
        _ = fcntl(input.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        // Debian's python3 (scripts/install-deps.sh), not whatever shim PATH finds first: a shim may
        // change the environment the child inherits.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", launcher, executable.path] + arguments
        process.environment = (process.environment ?? ProcessInfo.processInfo.environment)
            .merging(["PYTHONCOERCECLOCALE": "0"]) { $1 }
        process.standardInput = input
        try process.run()
        return OrphanGuard(input: input)
    }

    /// Does what the kernel does when this process dies: the child is killed.
    public func release() {
        try? input.fileHandleForWriting.close()
    }
}
