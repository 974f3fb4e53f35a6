import Foundation
import Testing
import VigilTestKit

#if canImport(Glibc)
import Glibc
#endif

/// How `vigil run`'s detector backfill and its checkpoints go together: a checkpoint is taken back
/// instead of a backfill, and a stop during a backfill writes no checkpoint, so the next start
/// backfills again instead of taking back what was cut short.
@Suite(.serialized)
struct DaemonBackfillTests {
    let workspace = try! TemporaryDirectory("daemon-backfill")
    var stateDirectory: String { workspace.file("state").path }
    var checkpointFile: String { stateDirectory + "/detectors.checkpoint" }

    /// A Prometheus that answers only the question of its external labels and leaves every other
    /// request unanswered; `stopping`, it stops (SIGTERM) whichever process asks how often it scrapes a
    /// job: the detector backfill's first question of each job. The daemon is then stopped in the middle
    /// of its backfill by the request itself, so no stall of the test process (two long tests holding
    /// both of the pool's threads on two cores) can let the backfill end first. Returns once it listens.
    func fakePrometheus(stopping: Bool) async throws -> (ChildProcess, String) {
        let port = try LoopbackPort.free()
        let script = #"""
            import os, signal, socket, sys

            def requester(connection):
                """The process at the other end of a loopback connection: its socket's inode, then its owner."""
                ours, theirs = connection.getsockname()[1], connection.getpeername()[1]
                inode = None
                with open("/proc/net/tcp") as table:
                    for row in list(table)[1:]:
                        fields = row.split()
                        local, remote = (int(address.split(":")[1], 16) for address in fields[1:3])
                        if local == theirs and remote == ours:
                            inode = "socket:[%s]" % fields[9]
                            break
                for pid in filter(str.isdigit, os.listdir("/proc")):
                    try:
                        for fd in os.listdir("/proc/%s/fd" % pid):
                            if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == inode:
                                return int(pid)
                    except OSError:
                        pass

            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", int(sys.argv[1])))
            server.listen(64)
            print("listening", file=sys.stderr, flush=True)
            held = []
            while True:
                connection = server.accept()[0]
                connection.settimeout(5)
                head = b""
                try:
                    while b"\r\n\r\n" not in head:
                        piece = connection.recv(4096)
                        if not piece:
                            break
                        head += piece
                except OSError:
                    pass
                try:
                    if head.startswith(b"GET /api/v1/status/config"):
                        # Closed after the answer: the next question comes on a connection of its own.
                        body = b'{"status":"success","data":{"yaml":""}}'
                        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                           b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                        connection.close()
                        continue
                    if sys.argv[2] == "stopping" and b"scrapePool=" in head.split(b"\r\n")[0]:
                        pid = requester(connection)
                        print("stopping %s" % pid, file=sys.stderr, flush=True)
                        if pid:
                            os.kill(pid, signal.SIGTERM)
                except OSError as error:
                    print(error, file=sys.stderr, flush=True)
                held.append(connection)
            """#
        let process = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/python3"),
            ["-c", script, String(port), stopping ? "stopping" : "silent"]
        )
        for _ in 0..<1_000 where !process.stderr.contains("listening") { try await Task.sleep(for: .milliseconds(10)) }
        return (process, "http://127.0.0.1:\(port)")
    }

    /// Vigil scraping its own /metrics every 200 ms, checkpointing every 500 ms, learning from `prometheus`
    /// at a start with no checkpoint when given.
    func daemon(port: Int, prometheus: String?) throws -> ChildProcess {
        let config = workspace.file("vigil-\(UUID().uuidString).yaml")
        try """
        listen: 127.0.0.1:\(port)
        state_dir: \(stateDirectory)
        checkpoint_interval: 500ms
        \(prometheus.map { "prometheus_url: \($0)" } ?? "")
        global: {scrape_interval: 200ms, scrape_timeout: 200ms}
        scrape_configs:
          - job_name: vigil
            static_configs: [{targets: ["127.0.0.1:\(port)"]}]

        """.write(to: config, atomically: true, encoding: .utf8)
        return try ChildProcess.vigil(["--config", config.path, "--log-format", "json"])
    }

    func says(_ lines: [[String: String]], _ message: String) -> Bool { lines.contains { $0["msg"] == message } }

    @Test func aStopDuringTheBackfillWritesNoCheckpointAndTheNextStartBackfillsAgain() async throws {
        let (prometheus, url) = try await fakePrometheus(stopping: true)
        defer { withExtendedLifetime(prometheus) {} }
        let port = try LoopbackPort.free()
        let learning = "learning the detectors from prometheus's history (not ready until done)"

        // Each daemon is stopped by its first question of the backfill (``stoppingPrometheus()``).
        let first = try daemon(port: port, prometheus: url)
        #expect(await first.exitStatus(within: 60) == 0, "\(first.stderr)\n\(prometheus.stderr)")
        #expect(says(first.logLines, learning), "\(first.stderr)")
        #expect(says(first.logLines, "stopped"), "\(first.stderr)")
        #expect(!first.logLines.contains { $0["msg"] == "checkpoint written" }, "\(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: checkpointFile))

        let second = try daemon(port: port, prometheus: url)
        #expect(await second.exitStatus(within: 60) == 0, "\(second.stderr)\n\(prometheus.stderr)")
        #expect(says(second.logLines, learning), "\(second.stderr)")
        #expect(!says(second.logLines, "restored learnt state"))
    }

    @Test func aCheckpointIsTakenBackAndNoBackfillRuns() async throws {
        let port = try LoopbackPort.free()
        let first = try daemon(port: port, prometheus: nil)
        #expect(
            await first.waitForLog {
                $0.contains { $0["msg"] == "checkpoint written" && Int($0["series"] ?? "") ?? 0 > 0 }
            },
            "\(first.stderr)"
        )
        first.signal(SIGTERM)
        #expect(await first.exitStatus(within: 20) == 0)

        let (prometheus, url) = try await fakePrometheus(stopping: true)
        defer { withExtendedLifetime(prometheus) {} }
        let second = try daemon(port: port, prometheus: url)
        // Scraping again, after the restore: the backfill would have come before it.
        #expect(
            await second.waitForLog(seconds: 60) {
                $0.contains { $0["msg"] == "checkpoint written" && $0["reason"] == "periodic" }
            },
            "\(second.stderr)"
        )
        #expect(says(second.logLines, "restored learnt state"))
        #expect(!second.logLines.contains { $0["msg"]?.hasPrefix("learning the detectors") == true })
        second.signal(SIGTERM)
        #expect(await second.exitStatus(within: 20) == 0)
    }
    /// The diagnosis's history is read beside the detectors' once the server answers: a Prometheus that
    /// never answers holds the first scrape (and `/readyz`) until the history's read fails (its 15-s
    /// request timeout) or its 20-s deadline passes, not the server, which serves before that.
    @Test func theServerAnswersWhileTheHistoryIsRead() async throws {
        let (prometheus, url) = try await fakePrometheus(stopping: false)
        defer { withExtendedLifetime(prometheus) {} }
        let daemon = try daemon(port: try LoopbackPort.free(), prometheus: url)
        // "backfill from prometheus failed: …" or "… took longer than its deadline: …".
        func ended(_ line: [String: String]) -> Bool { line["msg"]?.hasPrefix("backfill from prometheus") == true }
        #expect(await daemon.waitForLog(seconds: 60) { $0.contains(where: ended) }, "\(daemon.stderr)")
        let lines = daemon.logLines
        let serving = try #require(lines.firstIndex { $0["msg"] == "serving HTTP" }, "\(daemon.stderr)")
        #expect(serving < (lines.firstIndex(where: ended) ?? 0), "\(daemon.stderr)")
        daemon.signal(SIGTERM)
        #expect(await daemon.exitStatus(within: 20) == 0)
    }
}
