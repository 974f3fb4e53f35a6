import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended: the status it exited with, or the signal that killed it.
public struct ProcessEnd: Equatable, Sendable, CustomStringConvertible {
    /// The exit status; 0 when a signal ended it.
    public var status: Int32
    /// The signal that killed it; 0 when it exited.
    public var signal: Int32

    public init(status: Int32 = 0, signal: Int32 = 0) {
        self.status = status
        self.signal = signal
    }

    /// The status as a shell reports it: 128 plus the signal for a killed process.
    public var shellStatus: Int32 { signal == 0 ? status : 128 + signal }

    public var description: String { signal == 0 ? "exited \(status)" : "killed by signal \(signal)" }
}

extension Process {
    /// How the child ended, or nil while it runs. Known once every thread of it has exited, not once
    /// Foundation notices: Foundation sees an exit only when every copy of its own descriptor for the
    /// child has closed, and a child another test spawned meanwhile may hold one, for as long as that
    /// test runs (``OrphanGuard/stop()``). Foundation's record first, once it has one (after reaping, the
    /// pid may be another child's); before that, `waitid` with `WNOWAIT` asks the kernel without reaping,
    /// which stays Foundation's. Ask only after `run()`.
    public var end: ProcessEnd? {
        if let recorded = recordedEnd { return recorded }
        let pid = processIdentifier
        var info = siginfo_t()
        if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 {
            guard info._sifields._sigchld.si_pid == pid else { return nil }
            let value = info._sifields._sigchld.si_status
            return info.si_code == Int32(CLD_EXITED) ? ProcessEnd(status: value) : ProcessEnd(signal: value)
        }
        // No such child: Foundation has just reaped it, and records how it ended right after.
        for _ in 0..<10_000 {
            if let recorded = recordedEnd { return recorded }
            usleep(100)
        }
        return nil
    }

    /// How Foundation recorded the end, once it has.
    private var recordedEnd: ProcessEnd? {
        guard !isRunning else { return nil }
        return terminationReason == .uncaughtSignal
            ? ProcessEnd(signal: terminationStatus) : ProcessEnd(status: terminationStatus)
    }

    /// Blocks until the child has ended, polling (`waitUntilExit` does not return off the main thread on
    /// Linux); how it ended.
    public func waitForEnd() -> ProcessEnd {
        while true {
            if let end { return end }
            usleep(5_000)
        }
    }
}
