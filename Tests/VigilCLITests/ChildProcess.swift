import Foundation
import VigilHTTP
import VigilTestKit

#if canImport(Glibc)
import Glibc
#endif

/// A real process started by a test — `vigil run` (the binary built beside the test bundle), or a
/// Debian service such as Prometheus — its standard error collected, killed with the test, or by its
/// ``OrphanGuard`` if the test process dies first.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let log = Captured()
    /// Held for the child's life: it stops the child when this goes.
    private var orphanGuard: OrphanGuard?

    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("vigil")
    }

    /// A loopback port for a test's fixed role (`offset` 0 to 15), from the process id. Below Linux's
    /// ephemeral range (32768–60999): there, the test process's own outgoing connections and the
    /// servers bound to port 0 took these ports now and then (`Address already in use` in CI).
    static func port(_ offset: Int) -> Int {
        precondition((0..<16).contains(offset), "port offsets are 0 to 15")
        return 20_000 + Int(getpid() % 750) * 16 + offset
    }

    /// `vigil run ARGUMENTS`, with `environment` over the test's own.
    static func vigil(_ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(binary, ["run"] + arguments, environment: environment)
    }

    init(
        _ executable: URL,
        _ arguments: [String],
        workingDirectory: URL? = nil,
        environment: [String: String] = [:]
    ) throws {
        process.currentDirectoryURL = workingDirectory
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let log = self.log
        errors.fileHandleForReading.readabilityHandler = { handle in
            log.append(String(decoding: handle.availableData, as: UTF8.self))
        }
        orphanGuard = try OrphanGuard.run(process, executable, arguments)
    }

    var stderr: String { log.text }

    /// The JSON log lines so far, decoded.
    var logLines: [[String: String]] {
        stderr.split(separator: "\n").compactMap {
            try? JSONDecoder().decode([String: String].self, from: Data($0.utf8))
        }
    }

    /// Waits (at most `seconds`) until `condition` holds for the log; false on timeout.
    func waitForLog(seconds: Double = 30, _ condition: ([[String: String]]) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(logLines) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition(logLines)
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// What a finished command did: its exit status (or the signal that ended it) and its output.
    struct Finished {
        var status: Int32
        /// The signal that killed it, 0 when it exited.
        var signal: Int32
        /// Standard output then standard error.
        var output: String
    }

    /// Runs `executable ARGUMENTS` to its end (in `workingDirectory`, else the test's), stdin closed; the
    /// waiting happens off Swift's cooperative pool (``offThePool(_:)``), where it would starve the other
    /// tests' tasks.
    static func run(
        _ executable: URL,
        _ arguments: [String],
        workingDirectory: URL? = nil,
        environment: [String: String] = [:]
    ) async throws
        -> Finished
    {
        let process = Process()
        process.executableURL = executable
        process.currentDirectoryURL = workingDirectory
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = Captured()
        let errors = Captured()
        let end = await offThePool {
            // Both pipes drained at once, so a child filling one cannot block on it.
            let group = DispatchGroup()
            DispatchQueue.global().async(group: group) {
                errors.append(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
            }
            output.append(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
            group.wait()
            return process.waitForEnd()
        }
        return Finished(
            status: end.signal == 0 ? end.status : -1,
            signal: end.signal,
            output: output.text + errors.text
        )
    }

    /// Waits (at most `seconds`) for the process to end; its status as a shell reports it (128 plus the
    /// signal for a killed process), or nil if it did not end.
    func exitStatus(within seconds: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let end = process.end { return end.shellStatus }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.end?.shellStatus
    }
}

/// A bearer token in a file, for a daemon run with `--web.enable-lifecycle` (which needs authentication):
/// the arguments that turn both on, and the token its requests (and its self-scrape) present. The file
/// is removed with the last copy: hold one while the daemon runs.
struct LifecycleAccess {
    let token = UUID().uuidString
    private let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory("token")
        try Data((token + "\n").utf8).write(to: file)
    }

    var file: URL { directory.file("token") }

    var arguments: [String] { ["--web.enable-lifecycle", "--web.bearer-token-file", file.path] }
}

/// GETs or POSTs `url` with Vigil's own HTTP client, with `Authorization: Bearer token` when given.
func fetch(
    _ url: String,
    method: HTTPRequest.Method = .get,
    token: String? = nil
) async throws -> (status: Int, body: String) {
    let response = try await CurlHTTPClient().execute(
        HTTPRequest(url: url, method: method, timeout: 10, authorization: token.map(Authorization.bearer))
    )
    return (response.status, String(decoding: response.body, as: UTF8.self))
}
