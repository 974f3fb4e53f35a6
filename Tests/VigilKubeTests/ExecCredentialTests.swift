import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// Exec credential plugins, run as client-go runs them.
@Suite(.serialized)
struct ExecCredentialTests {
    let directory = try! TemporaryDirectory("exec")

    /// A plugin script that counts its runs and prints `output` (after checking what client-go passes).
    func plugin(_ output: String, exitStatus: Int = 0) throws -> ExecCredentialPlugin {
        let script = directory.file("plugin.sh")
        let runs = directory.file("runs").path
        try """
        #!/bin/sh
        echo run >> \(runs)
        case "$KUBERNETES_EXEC_INFO" in *'"kind":"ExecCredential"'*) ;; *) echo "no exec info" >&2; exit 3;; esac
        [ "$CLUSTER" = prod ] || { echo "env not passed" >&2; exit 4; }
        echo "$1" >&2
        cat <<'JSON'
        \(output)
        JSON
        exit \(exitStatus)
        """.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return ExecCredentialPlugin(
            apiVersion: "client.authentication.k8s.io/v1",
            command: script.path,
            arguments: ["get-token"],
            environment: [.init(name: "CLUSTER", value: "prod")],
            interactiveMode: "Never",
            provideClusterInfo: false,
            installHint: "install the plugin"
        )
    }

    /// A plugin that runs `body` as a shell script, with no arguments, environment or install hint.
    func bare(_ name: String, _ body: String) throws -> ExecCredentialPlugin {
        let script = directory.file(name)
        try "#!/bin/sh\n\(body)\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return ExecCredentialPlugin(
            apiVersion: "client.authentication.k8s.io/v1",
            command: script.path,
            arguments: [],
            environment: [],
            interactiveMode: "Never",
            provideClusterInfo: false,
            installHint: nil
        )
    }

    var runs: Int {
        ((try? String(contentsOfFile: directory.file("runs").path, encoding: .utf8)) ?? "")
            .split(separator: "\n").count
    }

    @Test func theTokenIsSentAndCachedUntilItExpires() async throws {
        let server = try FakeAPIServer()
        let credential =
            #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin","expirationTimestamp":"2099-01-01T00:00:00Z"}}"#
        let connection = KubeConnection(
            server: server.url,
            namespace: "shop",
            credential: .exec(try plugin(credential))
        )
        let client = KubeClient(connection: connection, transport: CurlHTTPClient(), access: .dryRun)
        _ = try await client.perform(.cordon(node: "node-1"), dryRun: true)
        _ = try await client.perform(.uncordon(node: "node-1"), dryRun: true)
        #expect(try await server.authorizations().allSatisfy { $0 == "Bearer from-plugin" })
        #expect(runs == 1)
    }

    @Test func anExpiredCredentialIsFetchedAgain() async throws {
        let credential =
            #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"2000-01-01T00:00:00Z"}}"#
        let runner = ExecCredentialRunner(plugin: try plugin(credential))
        _ = try await runner.credential()
        _ = try await runner.credential()
        #expect(runs == 2)
    }

    /// Answers every request 401, recording the credentials each carried.
    final class Unauthorized: HTTPTransport, @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [String] = []
        var authorizations: [String] { lock.withLock { seen } }

        private func refuse(_ request: HTTPRequest) -> HTTPResponse {
            let token: String
            if case .bearer(let value)? = request.authorization { token = value } else { token = "" }
            lock.withLock { seen.append(token) }
            return HTTPResponse(status: 401, headers: [], body: [], bytesOnWire: 0)
        }
        func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse { refuse(request) }
        func stream(
            _ request: HTTPRequest,
            onChunk: @escaping HTTPChunkHandler
        ) async throws(HTTPClientError) -> HTTPResponse {
            refuse(request)
        }
    }

    /// A watch refused with 401 runs the plugin again for the next one, as a request does (client-go
    /// refreshes on any 401): a credential with no expiry was cached for ever, and every watch after its
    /// revocation refused.
    @Test func aWatchRefusedAsUnauthorizedFetchesTheCredentialAgain() async throws {
        let credential =
            #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}}"#
        let transport = Unauthorized()
        let client = KubeClient(
            connection: KubeConnection(
                server: "https://k:6443",
                namespace: "shop",
                credential: .exec(try plugin(credential))
            ),
            transport: transport,
            access: .read
        )
        let watch = KubeRequest(method: "GET", path: "/api/v1/pods", query: [.init("watch", "true")])
        for _ in 0..<2 {
            await #expect(throws: KubeError.self) { try await client.stream(watch, timeout: 5) { _ in true } }
        }
        #expect(runs == 2)
        #expect(transport.authorizations == ["t", "t"])
    }

    @Test func aHungPluginIsKilledWithItsWholeProcessGroup() async throws {
        // The plugin ignores TERM, INT and HUP (as a stuck credential helper may) and has a child of its
        // own; both write their pids. Terminating only the plugin left both running, reparented.
        let pids = directory.file("pids").path
        let hung = try bare(
            "hung.sh",
            """
            trap '' TERM INT HUP
            sleep 600 &
            echo $$ $! > \(pids)
            wait
            """
        )
        // Long enough for the shell to write its pid file on a loaded machine (ThreadSanitizer in CI).
        let runner = ExecCredentialRunner(plugin: hung, timeout: .seconds(3))
        await #expect {
            try await runner.credential()
        } throws: { error in
            (error as? KubeError)?.message.contains("did not finish within 3.0 seconds; killed its process group")
                ?? false
        }
        let started = try String(contentsOfFile: pids, encoding: .utf8).split(separator: " ").compactMap {
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(started.count == 2)
        for pid in started {
            #expect(await Self.ends(pid), "process \(pid) still runs")
        }
    }

    /// Whether `pid` is gone, or a zombie waiting for whoever adopted it, within 10 seconds. A SIGKILL
    /// is delivered when the process is next scheduled: a sleeping child of the group was seen still
    /// sleeping just after the kill on a loaded machine (ThreadSanitizer in CI), so a look at once
    /// could fail with nothing wrong. A group left running stays running, and fails after the bound.
    static func ends(_ pid: Int32) async -> Bool {
        for _ in 0..<1000 {
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?
                .split(separator: ")").last?.split(separator: " ").first
            if state == nil || state == "Z" { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test(.enabled(if: PluginProcess.closesInheritedDescriptors, "the C library cannot close them (glibc < 2.34)"))
    func thePluginInheritsNoDescriptorButItsStandardOnes() async throws {
        // A file Vigil holds open without close-on-exec, as libcurl's sockets may be: a plugin (and
        // whatever it left running) kept it open, and the test process's sockets with it.
        let held = directory.file("held").path
        #expect(FileManager.default.createFile(atPath: held, contents: nil))
        let descriptor = open(held, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        #expect(fcntl(descriptor, F_GETFD) & FD_CLOEXEC == 0)
        let seen = directory.file("seen").path
        let lists = try bare(
            "lists.sh",
            """
            for fd in /proc/$$/fd/*; do echo "${fd##*/} $(readlink "$fd")"; done > '\(seen)'
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}}'
            """
        )
        _ = try await ExecCredentialRunner(plugin: lists).credential()
        // /proc names the file by its resolved path.
        let resolved = URL(fileURLWithPath: held).resolvingSymlinksInPath().path
        let listed = try String(contentsOfFile: seen, encoding: .utf8).split(separator: "\n")
        #expect(listed.contains { $0.hasPrefix("1 ") } && listed.contains { $0.hasPrefix("2 ") })
        #expect(!listed.contains { $0.hasSuffix(" \(resolved)") }, "the plugin holds \(resolved): \(listed)")
        #expect(!listed.contains { $0.contains(" socket:") }, "the plugin holds a socket: \(listed)")
    }

    @Test func aFailingOrWrongPluginIsExplained() async throws {
        let failing = ExecCredentialRunner(plugin: try plugin("{}", exitStatus: 1))
        await #expect {
            try await failing.credential()
        } throws: { error in
            let message = (error as! KubeError).message
            return message.contains("exited with status 1") && message.contains("get-token")
                && message.hasSuffix("(install the plugin)")
        }
        let wrongVersion = ExecCredentialRunner(
            plugin: try plugin(
                #"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}"#
            )
        )
        await #expect {
            try await wrongVersion.credential()
        } throws: { error in
            (error as! KubeError).message.contains("not client.authentication.k8s.io/v1")
        }
        // Not installed: the hint says how to get it, as kubectl says it (it was left out then).
        var missing = try plugin("{}")
        missing.command = directory.file("no-such-plugin").path
        await #expect {
            try await ExecCredentialRunner(plugin: missing).credential()
        } throws: { error in
            let message = (error as! KubeError).message
            return message.contains("cannot run \(missing.command)") && message.hasSuffix("\n\ninstall the plugin")
        }
    }
}
