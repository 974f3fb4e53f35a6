import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A Python test server on a free loopback port — it prints the port on its first line — started for a
/// test and killed with it, or, if the test process dies first, ended by its own watchdog.
public final class LoopbackScript: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    /// The server's standard input. Only this process holds its write end, close-on-exec, so no other
    /// child inherits it (`Pipe` does not set the flag, and neither Foundation nor an exec-credential
    /// plugin's spawn closes every descriptor): the server reads end-of-file when this process is gone.
    private let input = Pipe()

    /// Runs the script with a watchdog thread that exits the server at end-of-file on its standard
    /// input. Without it, a test process that crashed left its servers running, and they held the
    /// standard error they inherited from it: `swift test`, reading that pipe to its end, hung until CI's
    /// time limit instead of failing at once. The thread reads the descriptor, not `sys.stdin`: blocked in
    /// the buffered reader it holds that reader's lock, and a script that ends on its own (a bad
    /// certificate path, `SystemExit`) would then abort at shutdown instead of exiting with its status.
    static let watchdog = """
        import os, runpy, sys, threading
        def orphaned():
            while os.read(0, 65536):
                pass
            os._exit(0)
        threading.Thread(target=orphaned, daemon=True).start()
        sys.argv = sys.argv[1:]
        runpy.run_path(sys.argv[0], run_name="__main__")
        """

    public init(script: URL, arguments: [String] = []) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.watchdog, script.path] + arguments
        process.standardOutput = output
        process.standardInput = input
        _ = fcntl(input.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 10 {
            line.append(first)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    /// Stops the server. SIGKILL, because the child may inherit a signal mask that blocks SIGTERM; then
    /// poll until Foundation has reaped it (its `waitUntilExit` spins forever off the main thread on
    /// Linux, and reaping with `waitpid` ourselves would leave Foundation holding the `Process`).
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { usleep(5_000) }
    }

    /// Closes the server's standard input, as the kernel does when this process dies; the server exits.
    public func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    deinit {
        stop()
    }
}
