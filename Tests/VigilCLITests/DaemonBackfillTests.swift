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

    /// A server that takes connections and never answers: a Prometheus too slow for any deadline.
    func silentPrometheus() throws -> (ChildProcess, String) {
        let port = try LoopbackPort.free()
        let script = """
            import socket, sys
            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", int(sys.argv[1])))
            server.listen(64)
            held = []
            while True:
                held.append(server.accept()[0])
            """
        let process = try ChildProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, String(port)])
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
        let (silent, url) = try silentPrometheus()
        defer { withExtendedLifetime(silent) {} }
        let port = try LoopbackPort.free()
        let learning = "learning the detectors from prometheus's history (not ready until done)"

        let first = try daemon(port: port, prometheus: url)
        #expect(await first.waitForLog(seconds: 60) { says($0, learning) }, "\(first.stderr)")
        first.signal(SIGTERM)
        #expect(await first.exitStatus(within: 20) == 0, "\(first.stderr)")
        #expect(!first.logLines.contains { $0["msg"] == "checkpoint written" }, "\(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: checkpointFile))

        let second = try daemon(port: port, prometheus: url)
        #expect(await second.waitForLog(seconds: 60) { says($0, learning) }, "\(second.stderr)")
        #expect(!says(second.logLines, "restored learnt state"))
        second.signal(SIGTERM)
        #expect(await second.exitStatus(within: 20) == 0)
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

        let (silent, url) = try silentPrometheus()
        defer { withExtendedLifetime(silent) {} }
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
}
