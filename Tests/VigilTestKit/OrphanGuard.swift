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
/// holds, and a pidfd of the child: when this process is gone the watcher reads end-of-file and kills
/// the child through the pidfd (never another process that reused its id), and it exits as soon as the
/// child does. The child's standard input is that pipe, which never ends while the test runs: a guarded
/// program must not wait for input.
public final class OrphanGuard: @unchecked Sendable {
    private let process: Process
    private let input: FileHandle

    /// Run with `-P -S`: neither the working directory nor a site's modules can stand in for the
    /// launcher's imports (`PYTHONPATH` still could; nothing here sets it). `-P` needs Python 3.11
    /// (Debian 12). `PYTHONCOERCECLOCALE=0` keeps Python from adding `LC_CTYPE` to the child's
    /// environment.
    ///
    /// The watcher opens its pidfd first, while a failure can still reach the test's standard error (a
    /// child already gone needs no watcher), and checks only then that the child is still its parent:
    /// so the pidfd is the child's. It closes every other descriptor it inherited (Foundation's own,
    /// held, would keep `Process.isRunning` true after the child has ended).
    ///
    /// The child starts with every signal at its default and none blocked, as a service manager starts
    /// it: an exec hands on every ignored signal (the shell's `nohup` or `&`, Python's own SIGPIPE and
    /// SIGXFSZ) and the mask of the test thread that spawned it (which may block SIGTERM). Handlers go
    /// first, so a signal pending under the mask meets the default, not Python's handler.
    static let launcher = """
        import os, select, signal, sys
        del os.environ["PYTHONCOERCECLOCALE"]
        child = os.getpid()
        if os.fork() == 0:
            try:
                pidfd = os.pidfd_open(child)
            except ProcessLookupError:
                os._exit(0)
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.closerange(3, pidfd)
            os.closerange(pidfd + 1, 1 << 16)
            if os.getppid() == child:
                while True:
                    readable = select.select([0, pidfd], [], [])[0]
                    if pidfd in readable:
                        break
                    if not os.read(0, 65536):
                        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                        break
            os._exit(0)
        for number in signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP}:
            signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        try:
            os.execv(sys.argv[1], sys.argv[1:])
        except OSError as error:
            print(f"{sys.argv[1]}: {error.strerror}", file=sys.stderr)
            os._exit(127)
        """

    private init(process: Process, input: FileHandle) {
        self.process = process
        self.input = input
    }

    /// Runs `process` as `executable ARGUMENTS` under a guard; everything else about it (environment,
    /// directory, output) is set beforehand as usual; its input is the guard's. The child lives until the
    /// guard is released or gone, or this process ends.
    public static func run(_ process: Process, _ executable: URL, _ arguments: [String]) throws -> OrphanGuard {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            let exists = FileManager.default.fileExists(atPath: executable.path)
            throw CocoaError(
                exists ? .fileReadNoPermission : .fileNoSuchFile,
                userInfo: [NSFilePathErrorKey: executable.path]
            )
        }
        // Both ends close-on-exec, so no other child inherits the write end (Swift's Glibc lacks
        // `pipe2`; Foundation's spawns and Vigil's own close what they do not hand on anyway). The spawn
        // gives the read end to the child as its input.
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let readEnd = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
        let writeEnd = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        // Debian's python3 (scripts/install-deps.sh), not whatever shim PATH finds first: a shim may
        // change the environment the child inherits.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-P", "-S", "-c", launcher, executable.path] + arguments
        process.environment = (process.environment ?? ProcessInfo.processInfo.environment)
            .merging(["PYTHONCOERCECLOCALE": "0"]) { $1 }
        process.standardInput = readEnd
        try process.run()
        try readEnd.close()
        return OrphanGuard(process: process, input: writeEnd)
    }

    /// Does what the kernel does when this process dies: the child is killed, by the watcher.
    public func release() {
        try? input.close()
    }

    /// Kills the child now (SIGKILL: a test's child has nothing to save) and returns once it is dead, so
    /// its port and files are free; then releases the guard. Polled: `waitUntilExit` spins forever off
    /// the main thread on Linux, and reaping with `waitpid` here would leave Foundation holding the
    /// `Process`; so `terminationStatus` and `terminationReason` (which trap while `isRunning`) are read
    /// only after waiting for `isRunning` to turn false. Dead is exited, not reaped: Foundation notices an exit only once every copy of its own
    /// descriptor for the child has closed, and a child another test spawned meanwhile may hold one. Waiting
    /// for that here, on a test's thread — the cooperative pool, two threads on two cores — once kept the
    /// tests whose children held them from running, so for ever: a whole `swift test` hung.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            _ = process.waitForEnd()
        }
        release()
    }

    /// A guard let go stops its child: no test leaves a service running behind it.
    deinit {
        stop()
    }
}
