import Foundation
import Testing
import VigilTestKit

#if canImport(Glibc)
import Glibc
#endif

/// A test's long-running child must not outlive the test process: Prometheus, Alertmanager and
/// node_exporter left running after a killed test run held the standard error they inherited, and
/// `swift test` waited on that pipe until CI's time limit.
struct OrphanGuardTests {
    @Test func aChildWhoseTestProcessIsGoneIsKilled() async throws {
        let process = Process()
        let orphanGuard = try OrphanGuard.run(process, URL(fileURLWithPath: "/bin/sleep"), ["600"])

        // What the kernel does to the write end of the child's input when the test process dies.
        orphanGuard.release()
        try #require(await Self.waitUntil { !process.isRunning })
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGKILL)
    }

    /// A guard the test lets go stops its child before it returns, so the next test finds the child's
    /// port and files free.
    @Test func aGuardLetGoStopsItsChildAtOnce() async throws {
        let process = Process()
        // The guard's one reference goes at the end of this call.
        withExtendedLifetime(try OrphanGuard.run(process, URL(fileURLWithPath: "/bin/sleep"), ["600"])) {
            #expect(process.isRunning)
        }
        #expect(process.end == ProcessEnd(signal: SIGKILL), "dead")
        try #require(await Self.waitUntil { !process.isRunning })
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGKILL)
    }

    /// Foundation sees a child's exit only once every copy of its descriptor for the child has closed, and
    /// a process another test spawned meanwhile may hold one. Stopping waited for Foundation: once it
    /// waited on the test's thread while the process holding the copy belonged to a test that could not
    /// run until it returned, and `swift test` hung. It returns once the child is dead.
    @Test(
        .enabled(
            if: Self.mayTakeDescriptors,
            "taking another process's descriptor (pidfd_getfd) needs ptrace rights: root, or Yama's ptrace_scope 0"
        )
    )
    func stoppingDoesNotWaitForFoundationToNoticeTheExit() async throws {
        let process = Process()
        let child = try OrphanGuard.run(process, URL(fileURLWithPath: "/bin/sleep"), ["600"])
        let pid = process.processIdentifier
        try #require(await Self.waitUntil { Self.executable(of: pid) == "/usr/bin/sleep" })
        let sockets = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)"))?.hasPrefix("socket:")
                == true
        }
        try #require(!sockets.isEmpty, "the child holds Foundation's socket")
        // Another process takes a copy of it (pidfd_getfd, system call 438), as a child spawned meanwhile
        // inherits one.
        let holder = Process()
        let said = Pipe()
        holder.standardOutput = said
        let holding = try OrphanGuard.run(
            holder,
            URL(fileURLWithPath: "/usr/bin/python3"),
            [
                "-c",
                """
                import ctypes, os, sys, time
                libc = ctypes.CDLL(None, use_errno=True)
                pidfd = os.pidfd_open(int(sys.argv[1]))
                for fd in sys.argv[2:]:
                    assert libc.syscall(438, pidfd, int(fd), 0) >= 0, os.strerror(ctypes.get_errno())
                print("holding", flush=True)
                time.sleep(600)
                """,
                String(pid),
            ] + sockets
        )
        defer { holding.stop() }
        let line = await offThePool {
            var line = Data()
            while let byte = try? said.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 10 {
                line.append(first)
            }
            return String(decoding: line, as: UTF8.self)
        }
        try #require(line == "holding")

        let stopped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            child.stop()
            stopped.signal()
        }
        let returned = await offThePool { stopped.wait(timeout: .now() + 20) == .success }
        if !returned { holding.stop() }  // what it waits for: the test ends either way
        #expect(returned)
        #expect(process.end == ProcessEnd(signal: SIGKILL) && process.isRunning, "dead, and Foundation has not noticed")
        holding.stop()
        try #require(await Self.waitUntil { !process.isRunning })
        #expect(process.terminationStatus == SIGKILL)
    }

    /// No wrapper stands between the test and its child: signals reach the program, none blocked or
    /// ignored, and it sees the environment it was given (the launcher's own Python settings not among it).
    @Test func theChildIsTheProgramItselfWithItsOwnEnvironment() async throws {
        let process = Process()
        process.environment = ["VIGIL_GUARD_TEST": "1", "PATH": "/usr/bin:/bin"]
        let orphanGuard = try OrphanGuard.run(process, URL(fileURLWithPath: "/bin/sleep"), ["600"])
        defer { orphanGuard.release() }
        let pid = process.processIdentifier

        // The exec is over once the program's environment is in place too: execve names the new executable
        // before it lays out the new stack, and /proc/PID/environ reads empty between the two (seen once
        // under ThreadSanitizer).
        try #require(
            await Self.waitUntil {
                Self.executable(of: pid) == "/usr/bin/sleep" && !Self.environment(of: pid).isEmpty
            }
        )
        #expect(Set(Self.environment(of: pid)) == ["VIGIL_GUARD_TEST=1", "PATH=/usr/bin:/bin"])
        #expect(Self.signalMask(of: pid, "SigBlk") == 0)
        // Signals 32 and 33 are glibc's own (thread cancellation, set-id), not ours to reset.
        let ignored = Self.signalMask(of: pid, "SigIgn")
        #expect(ignored.map { $0 & ~(UInt64(3) << 31) } == 0)
        kill(pid, SIGTERM)
        try #require(await Self.waitUntil { !process.isRunning })
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGTERM)
    }

    /// The watcher holds the child's input and a pidfd of it, and nothing else the test gave the child:
    /// not its output, which a test reads to the end.
    @Test func theWatcherHoldsOnlyTheChildsInputAndPidfd() async throws {
        let process = Process()
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let orphanGuard = try OrphanGuard.run(process, URL(fileURLWithPath: "/bin/sleep"), ["600"])
        defer {
            kill(process.processIdentifier, SIGKILL)
            orphanGuard.release()
        }
        let pid = process.processIdentifier
        var held: [String: String]?
        try #require(
            await Self.waitUntil {
                held = Self.executable(of: pid) == "/usr/bin/sleep" ? Self.watching(pid) : nil
                return held != nil
            }
        )
        let input = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/0")
        #expect(input.hasPrefix("pipe:"))
        #expect(held?["0"] == input)
    }

    /// A program that is not there is refused before anything runs; one that cannot be run exits 127
    /// with the reason, as a shell's would.
    @Test func aProgramThatCannotRunIsNamed() async throws {
        let directory = try TemporaryDirectory("guard")
        #expect(throws: CocoaError.self) {
            _ = try OrphanGuard.run(Process(), directory.file("absent"), [])
        }
        let garbage = directory.file("garbage")
        try Data([0, 1, 2, 3]).write(to: garbage)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: garbage.path)
        let process = Process()
        let errors = Pipe()
        process.standardError = errors
        let orphanGuard = try OrphanGuard.run(process, garbage, [])
        defer { orphanGuard.release() }
        // Read off Swift's cooperative pool: a blocking read there holds one of its two threads (on two
        // cores) for as long as the pipe stays open, and every other test's tasks wait.
        let message = await offThePool {
            String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        try #require(await Self.waitUntil { !process.isRunning })
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 127)
        #expect(message == "\(garbage.path): Exec format error\n")
    }

    /// A child that ends by itself keeps its exit status, and its watcher goes with it rather than wait
    /// for the test process to end (and then signal a process id that may be another's by then).
    @Test func aChildThatEndsByItselfKeepsItsStatusAndLeavesNoWatcher() async throws {
        let marker = UUID().uuidString
        let process = Process()
        let orphanGuard = try OrphanGuard.run(
            process,
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "trap 'exit 3' USR1; while :; do sleep 0.1; done", marker]
        )
        defer { orphanGuard.release() }
        let pid = process.processIdentifier
        // The watcher is watching, and the shell has set its trap (SIGUSR1 caught: the launcher never
        // catches it), before the child is asked to end.
        let usr1 = UInt64(1) << (UInt64(SIGUSR1) - 1)
        try #require(
            await Self.waitUntil {
                Self.watching(pid) != nil && (Self.signalMask(of: pid, "SigCgt") ?? 0) & usr1 != 0
            }
        )

        kill(pid, SIGUSR1)
        try #require(await Self.waitUntil { !process.isRunning })
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 3)
        #expect(await Self.waitUntil { Self.processes(naming: marker).isEmpty })
    }

    /// Polls `condition` every 10 ms for at most 30 seconds; whether it came to hold.
    /// Whether this process may take a descriptor of a process that is not its descendant.
    static let mayTakeDescriptors =
        getuid() == 0
        || (try? String(contentsOfFile: "/proc/sys/kernel/yama/ptrace_scope", encoding: .utf8))
            .map { $0.hasPrefix("0") } ?? true

    static func waitUntil(_ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    static func executable(of pid: pid_t) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
    }

    /// The descriptors of `child`'s watcher once it is watching: its input, its output and error on
    /// /dev/null, and its pidfd — nothing else; nil until then (or if it holds anything more).
    static func watching(_ child: pid_t) -> [String: String]? {
        guard let watcher = watcher(of: child) else { return nil }
        let held = descriptors(of: watcher)
        let rest = held.filter { !["0", "1", "2"].contains($0.key) }
        guard held["1"] == "/dev/null", held["2"] == "/dev/null", held["0"] != nil,
            rest.count == 1, rest.first?.value == "anon_inode:[pidfd]"
        else { return nil }
        return held
    }

    /// A signal set of `/proc/PID/status` (`SigBlk`, `SigIgn`): bit n − 1 is signal n.
    static func signalMask(of pid: pid_t, _ field: String) -> UInt64? {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
            .flatMap { UInt64($0.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
    }

    /// What each open descriptor of `pid` is (a path, `pipe:[N]`, `anon_inode:[pidfd]`).
    static func descriptors(of pid: pid_t) -> [String: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        return Dictionary(
            uniqueKeysWithValues: names.compactMap { name in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(name)")).map {
                    (name, $0)
                }
            }
        )
    }

    static func environment(of pid: pid_t) -> [String] {
        let data = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every process's id with its fields of `/proc/PID/stat` after the command's name.
    static func processTable() -> [(pid: pid_t, fields: [Substring])] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            return (pid, stat[stat.index(after: close)...].split(separator: " "))
        }
    }

    /// The guard's watcher of `child`: its child that runs Python (the launcher forks it before it execs).
    static func watcher(of child: pid_t) -> pid_t? {
        // After the name: state, then the parent's id.
        processTable().filter { $0.fields.count > 1 && pid_t($0.fields[1]) == child }.map(\.pid)
            .first { executable(of: $0)?.contains("python") == true }
    }

    static func processes(naming marker: String) -> [pid_t] {
        processTable().map(\.pid).filter { pid in
            let data = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            return data.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == marker }
        }
    }
}
