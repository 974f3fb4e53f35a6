import Foundation
import Testing
import VigilEngine
import VigilHTTP
import VigilTestKit

#if canImport(Glibc)
import Glibc
#endif

/// `vigil run` as a real process: serving, reloading, stopping, and surviving `kill -9`.
@Suite(.serialized)
struct DaemonTests {
    let workspace = try! TemporaryDirectory("daemon")
    /// Not made yet: `vigil run` makes it (or a test, to put something there first).
    var stateDirectory: String { workspace.file("state").path }

    /// Vigil scraping its own /metrics: a live target with no other process needed.
    func selfScraping(port: Int, extra: [String] = []) throws -> ChildProcess {
        try ChildProcess.vigil(
            [
                "--scrape", "http://127.0.0.1:\(port)/metrics", "--listen", "127.0.0.1:\(port)", "--interval", "200ms",
                "--state-dir", stateDirectory, "--checkpoint-interval", "500ms", "--log-format", "json",
            ] + extra
        )
    }

    func checkpoints(_ lines: [[String: String]], reason: String) -> [Int] {
        lines.filter { $0["msg"] == "checkpoint written" && $0["reason"] == reason }.compactMap {
            Int($0["series"] ?? "")
        }
    }

    @Test func killNineLosesAtMostOneCheckpointIntervalAndSigtermLosesNothing() async throws {
        let port = ChildProcess.port(0)
        let first = try selfScraping(port: port)
        #expect(await first.waitForLog { checkpoints($0, reason: "periodic").count >= 3 }, "\(first.stderr)")
        first.signal(SIGKILL)
        _ = await first.exitStatus(within: 10)
        let learntBeforeKill = try #require(checkpoints(first.logLines, reason: "periodic").last)
        #expect(learntBeforeKill > 20)

        let second = try selfScraping(port: port)
        #expect(await second.waitForLog { $0.contains { $0["msg"] == "restored learnt state" } }, "\(second.stderr)")
        let restored = try #require(
            second.logLines.first { $0["msg"] == "restored learnt state" }?["series"].flatMap { Int($0) }
        )
        // Whatever the last checkpoint before the kill held is back (a later one may have landed too).
        #expect(restored >= learntBeforeKill)

        // SIGTERM: a graceful stop, with a last checkpoint after the last scrape.
        #expect(await second.waitForLog { checkpoints($0, reason: "periodic").count >= 1 })
        second.signal(SIGTERM)
        #expect(await second.exitStatus(within: 20) == 0)
        let final = try #require(checkpoints(second.logLines, reason: "shutdown").last)
        #expect(second.logLines.last?["msg"] == "stopped")
        let third = try selfScraping(port: port)
        #expect(await third.waitForLog { $0.contains { $0["msg"] == "restored learnt state" } })
        #expect(third.logLines.first { $0["msg"] == "restored learnt state" }?["series"] == "\(final)")
    }

    @Test func aCorruptCheckpointIsReportedAndVigilStartsFresh() async throws {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        // The current format (StateCheckpoint.version), so what is wrong is the payload.
        try Data("vigil-checkpoint 4\n0000000000000010 0000000000000000\ngarbage".utf8)
            .write(to: URL(fileURLWithPath: stateDirectory + "/detectors.checkpoint"))
        let daemon = try selfScraping(port: ChildProcess.port(1))
        #expect(
            await daemon.waitForLog { $0.contains { $0["msg"] == "checkpoint ignored; starting fresh" } },
            "\(daemon.stderr)"
        )
        #expect(
            daemon.logLines.first { $0["msg"] == "checkpoint ignored; starting fresh" }?["reason"]?.contains(
                "truncated"
            ) == true
        )
        // And it goes on: scraping, then writing a good checkpoint over the bad one.
        #expect(await daemon.waitForLog { checkpoints($0, reason: "periodic").count >= 1 })
    }

    @Test func aNarratorSectionIsSaidToBeForDiagnoseOnly() async throws {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let config = stateDirectory + "/vigil.yaml"
        try "narrator: {url: 'http://127.0.0.1:9/v1', model: llama3.1:8b}\n".write(
            toFile: config,
            atomically: true,
            encoding: .utf8
        )
        let daemon = try selfScraping(port: try LoopbackPort.free(), extra: ["--config", config])
        #expect(
            await daemon.waitForLog {
                $0.contains {
                    $0["msg"] == "narrator: is read by vigil diagnose --narrate only; the daemon does not narrate"
                }
            },
            "\(daemon.stderr)"
        )
    }

    @Test func servesMetricsHealthReadinessAndTheAPI() async throws {
        let port = ChildProcess.port(2)
        let daemon = try selfScraping(port: port)
        let base = "http://127.0.0.1:\(port)"
        #expect(await daemon.waitForLog { $0.contains { $0["msg"] == "serving HTTP" } }, "\(daemon.stderr)")
        let asked = Date()
        let healthz = try await CurlHTTPClient().execute(HTTPRequest(url: base + "/healthz", timeout: hangTimeout))
        let answered = Date()
        #expect(healthz.status == 200)
        #expect(healthz.header("Server") == "vigil")
        // RFC 9110's IMF-fixdate, and the time now (formatted per response, not by a timer).
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "GMT")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let sent = try #require(format.date(from: healthz.header("Date") ?? ""), "\(healthz.headers)")
        // Between the ask and the answer (the header has whole seconds), however long this test waited.
        #expect(sent >= asked.addingTimeInterval(-1) && sent <= answered.addingTimeInterval(1), "\(sent)")
        // Ready after the first scrape (a few hundred milliseconds in).
        #expect(try await eventually(5) { try await fetch(base + "/readyz").status == 200 })
        try await Task.sleep(for: .milliseconds(600))
        let metrics = try await fetch(base + "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("# TYPE vigil_anomaly_score gauge"))
        #expect(metrics.body.contains("vigil_build_info{version=\"\(VigilRelease.version)\"} 1"))
        #expect(metrics.body.contains("vigil_scrapes_total{result=\"success\"}"))
        #expect(
            metrics.body.contains(
                "vigil_anomaly_score{metric=\"up\",instance=\"127.0.0.1:\(port)\",job=\"app\",detector=\"ensemble\"} 0.000000"
            )
        )
        // The target's health is its last scrape's: a 200-ms self-scrape can time out on a loaded machine
        // (a CI run once read "down" here), so wait for one that succeeded, as for readiness above.
        func target() async throws -> (status: String?, health: String?, body: String) {
            let targets = try await fetch(base + "/api/v1/targets")
            let decoded = try JSONSerialization.jsonObject(with: Data(targets.body.utf8)) as! [String: Any]
            let first = (decoded["data"] as! [[String: Any]]).first
            return (decoded["status"] as? String, first?["health"] as? String, targets.body)
        }
        var scraped: (status: String?, health: String?, body: String)?
        _ = try await eventually(5) {
            scraped = try await target()
            return scraped?.health == "up"
        }
        #expect(scraped?.status == "success")
        #expect(scraped?.health == "up", "\(scraped?.body ?? "")")
        let anomalies = try await fetch(base + "/api/v1/anomalies")
        #expect(anomalies.status == 200 && anomalies.body.hasPrefix("{\"data\":["))
        #expect(try await fetch(base + "/nothing-here").status == 404)
    }

    @Test func reloadAppliesAGoodFileAndRefusesABadOneWithEveryError() async throws {
        let port = ChildProcess.port(3)
        let access = try LifecycleAccess()
        let file = workspace.file("vigil.yaml")
        // The token guards every path, so the self-scrape presents it too.
        let good = """
            listen: 127.0.0.1:\(port)
            log: {format: json}
            scrape_configs:
              - job_name: self
                scrape_interval: 200ms
                scrape_timeout: 200ms
                authorization: {credentials_file: \(access.file.path)}
                static_configs: [{targets: ['127.0.0.1:\(port)']}]

            """
        try good.write(to: file, atomically: true, encoding: .utf8)
        let daemon = try ChildProcess.vigil(["--config", file.path] + access.arguments)
        let base = "http://127.0.0.1:\(port)"
        #expect(await daemon.waitForLog { $0.contains { $0["msg"] == "serving HTTP" } }, "\(daemon.stderr)")

        try (good + "    sample_limt: 5\n").write(to: file, atomically: true, encoding: .utf8)
        let refused = try await fetch(base + "/-/reload", method: .post, token: access.token)
        #expect(refused.status == 500)
        #expect(refused.body.hasPrefix("\(file.path):9:5: scrape_configs[0].sample_limt: unknown field"))
        // The running configuration is no longer the file's: what VigilConfigReloadFailed alerts on.
        let stale = try await fetch(base + "/metrics", token: access.token).body
        #expect(stale.contains("vigil_config_last_reload_successful 0"), "\(stale)")

        let twoTargets = good + "  - job_name: other\n    static_configs: [{targets: ['127.0.0.1:1']}]\n"
        try twoTargets.write(to: file, atomically: true, encoding: .utf8)
        // Without the token: 401, and nothing reloaded.
        let anonymous = try await fetch(base + "/-/reload", method: .post)
        #expect(anonymous.status == 401)
        let applied = try await fetch(base + "/-/reload", method: .post, token: access.token)
        #expect(applied.status == 200)
        // The bundled rules (./rules) are re-read too; their counts follow the pack.
        #expect(applied.body.hasPrefix("configuration reloaded: 2 targets"), "\(applied.body)")
        let current = try await fetch(base + "/metrics", token: access.token).body
        #expect(current.contains("vigil_config_last_reload_successful 1"), "\(current)")
        // PUT too, as Prometheus takes it, and logged as the request it was.
        #expect(try await fetch(base + "/-/reload", method: .put, token: access.token).status == 200)
        #expect(
            await daemon.waitForLog { $0.contains { $0["trigger"] == "PUT /-/reload" } },
            "\(daemon.stderr)"
        )

        // SIGHUP reloads too.
        try good.write(to: file, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(
            await daemon.waitForLog { $0.contains { $0["trigger"] == "SIGHUP" && $0["targets"] == "1" } },
            "\(daemon.stderr)"
        )
        daemon.signal(SIGTERM)
        #expect(await daemon.exitStatus(within: 20) == 0)
    }

    /// Replicas behind one Service each hold the alerts delivered to them: a resolve reaching another pod
    /// than its firing leaves the incident open unless reconciliation is set, and nothing said so.
    @Test func severalReplicasWithoutReconciliationAreWarnedOf() async throws {
        let daemon = try ChildProcess.vigil([
            "--listen", "127.0.0.1:0", "--log-format", "json", "--shards", "2", "--shard", "0",
        ])
        #expect(await daemon.waitForLog { $0.contains { $0["msg"] == "serving HTTP" } }, "\(daemon.stderr)")
        #expect(
            daemon.logLines.contains {
                $0["level"] == "warning"
                    && $0["msg"]?.hasPrefix("several replicas share Alertmanager's webhook") == true
            },
            "\(daemon.stderr)"
        )
        daemon.signal(SIGTERM)
        #expect(await daemon.exitStatus(within: 20) == 0)
    }

    /// `POST /-/reload` answered anyone; now it is off unless enabled, and enabling it needs authentication.
    @Test func reloadIsOffByDefaultAndCannotBeEnabledWithoutAuthentication() async throws {
        let daemon = try ChildProcess.vigil(["--listen", "127.0.0.1:0", "--log-format", "json"])
        #expect(await daemon.waitForLog { $0.contains { $0["msg"] == "serving HTTP" } }, "\(daemon.stderr)")
        let address = try #require(daemon.logLines.first { $0["msg"] == "serving HTTP" }?["address"])
        let off = try await fetch("http://\(address)/-/reload", method: .post)
        #expect(off.status == 403)
        #expect(off.body == "Lifecycle API is not enabled.\n")
        daemon.signal(SIGTERM)
        #expect(await daemon.exitStatus(within: 20) == 0)

        let unsafe = await vigil("run", "--listen", "127.0.0.1:0", "--web.enable-lifecycle")
        #expect(unsafe.status == 1)
        #expect(
            unsafe.stderr
                == "--web.enable-lifecycle needs authentication: give --web.config.file with basic_auth_users (or "
                + "tls_server_config.client_auth_type: RequireAndVerifyClientCert), or --web.bearer-token-file\n"
        )
    }

    @Test func withNoTargetVigilServesItsAPIAndIsReadyAtOnce() async throws {
        let port = ChildProcess.port(7)
        let daemon = try ChildProcess.vigil(["--listen", "127.0.0.1:\(port)", "--log-format", "json"])
        #expect(await daemon.waitForLog { $0.contains { $0["msg"] == "serving HTTP" } }, "\(daemon.stderr)")
        #expect(try await fetch("http://127.0.0.1:\(port)/readyz").status == 200)
        let metrics = try await fetch("http://127.0.0.1:\(port)/metrics")
        #expect(metrics.status == 200 && metrics.body.contains("# TYPE vigil_anomaly_score gauge"))
        #expect(daemon.logLines.contains { $0["msg"]?.hasPrefix("no state_dir") == true })
        daemon.signal(SIGINT)
        #expect(await daemon.exitStatus(within: 20) == 0)
    }

    /// A known path asked with another method answered 404, and HEAD answered 404 where GET answers.
    @Test func wrongMethodsAnswer405WithAllowAndHeadAnswersWhereGetDoes() async throws {
        // Port 0: the kernel picks a free port, and the log says which.
        let daemon = try ChildProcess.vigil(["--listen", "127.0.0.1:0", "--log-format", "json"])
        #expect(await daemon.waitForLog { $0.contains { $0["msg"] == "serving HTTP" } }, "\(daemon.stderr)")
        let address = try #require(daemon.logLines.first { $0["msg"] == "serving HTTP" }?["address"])
        let port = try #require(address.split(separator: ":").last.flatMap { Int($0) })
        let client = CurlHTTPClient()
        func ask(_ path: String, _ method: HTTPRequest.Method) async throws -> HTTPResponse {
            try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(port)\(path)", method: method, timeout: 10))
        }
        for path in ["/metrics", "/healthz", "/readyz", "/api/v1/anomalies", "/api/v1/targets"] {
            let head = try await ask(path, .head)
            #expect(head.status == 200, "HEAD \(path)")
            #expect(head.body.isEmpty)
            for method in [HTTPRequest.Method.post, .put, .delete] {
                let refused = try await ask(path, method)
                #expect(refused.status == 405, "\(method) \(path)")
                #expect(refused.header("Allow") == "GET, HEAD", "\(method) \(path)")
            }
        }
        let getReload = try await ask("/-/reload", .get)
        #expect(getReload.status == 405)
        #expect(getReload.header("Allow") == "POST, PUT")
        #expect(String(decoding: getReload.body, as: UTF8.self) == "GET is not allowed here; use POST, PUT\n")
        // Paths with an id, and the incidents list, were missing from the table: 404 instead of 405.
        let refusals: [(String, HTTPRequest.Method, String)] = [
            ("/api/v1/incidents", .delete, "GET, HEAD"),
            ("/api/v1/incidents/x", .post, "GET, HEAD"),
            ("/api/v1/proposals/x", .delete, "GET, HEAD"),
            ("/api/v1/proposals/x/approve", .get, "POST"),
            ("/api/v1/proposals/x/reject", .put, "POST"),
        ]
        for (path, method, allow) in refusals {
            let refused = try await ask(path, method)
            #expect(refused.status == 405, "\(method) \(path)")
            #expect(refused.header("Allow") == allow, "\(method) \(path)")
        }
        // A method the path does answer keeps the handler's own answer: an unknown id is a 404, and
        // approving with the approvals API off a 403.
        #expect(try await ask("/api/v1/incidents/x", .get).status == 404)
        #expect(try await ask("/api/v1/proposals/x", .head).status == 404)
        #expect(try await ask("/api/v1/proposals/x/approve", .post).status == 403)
        #expect(try await ask("/api/v1/proposals/x/approve/more", .get).status == 404)
        #expect(try await ask("/nothing-here", .get).status == 404)
        #expect(try await ask("/nothing-here", .post).status == 404)
        daemon.signal(SIGTERM)
        #expect(await daemon.exitStatus(within: 20) == 0)
    }

    /// A regular file as the state directory stopped the start with a raw Foundation error.
    @Test func aStateDirThatIsNotADirectoryIsRefusedWithASentence() async throws {
        let file = try temporaryFile("not a directory\n", suffix: ".txt")
        defer { try? FileManager.default.removeItem(at: file) }
        let port = "127.0.0.1:\(ChildProcess.port(5))"
        let result = await vigil("run", "--state-dir", file.path, "--listen", port)
        #expect(result.status == 1)
        #expect(result.stderr == "state_dir \(file.path): exists and is not a directory\n")
        let below = await vigil("run", "--state-dir", file.path + "/state", "--listen", port)
        #expect(below.status == 1)
        #expect(below.stderr == "state_dir \(file.path)/state: \(file.path) is not a directory\n")
    }

    /// Two daemons on one state directory restored and overwrote each other's checkpoint: the second is
    /// refused before it reads anything.
    @Test func aStateDirAnotherDaemonHoldsIsRefused() async throws {
        let directory = try TemporaryDirectory("claimed")
        let holder = try StateDirectoryLock(directory: directory.url.path, host: "vigil-0")
        // Another process: a daemon the old code let start would run on, and fail the wait below.
        let second = try ChildProcess.vigil(["--state-dir", directory.url.path, "--listen", "127.0.0.1:0"])
        #expect(await second.exitStatus(within: 20) == 1)
        #expect(
            second.stderr
                == "state_dir \(directory.url.path) is in use by another vigil run (its lock file names pid \(getpid()) on vigil-0): give each daemon its own state_dir\n"
        )
        withExtendedLifetime(holder) {}
    }

    @Test func anInvalidConfigurationStopsTheStartWithEveryError() async throws {
        let file = try temporaryFile("listen: nowhere\nscrape_configs: {}\n", suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = await vigil("run", "--config", file.path)
        #expect(result.status == 1)
        #expect(
            result.stderr
                == "\(file.path):1:9: listen: expected HOST:PORT (like 0.0.0.0:9464 or [::]:9464), got \"nowhere\"\n\(file.path):2:17: scrape_configs: expected a list\n"
        )
    }

    /// Applying without an audit log, rules or a cluster would run with a guard missing: refused at start.
    @Test func allowApplyWithoutAStateDirectoryRulesOrAClusterRefusesToStart() async throws {
        let port = "127.0.0.1:\(ChildProcess.port(6))"
        let result = await vigil("run", "--allow-apply", "--listen", port)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("--allow-apply needs --state-dir (for the audit log)"), "\(result.stderr)")
    }

    /// A fixed identity in the file every replica reads would make each believe it holds the Lease.
    @Test func aSharedLeaseIdentityAcrossShardsRefusesToStart() async throws {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let config = stateDirectory + "/vigil.yaml"
        try "cluster: {shards: 3, shard: 0, leader_election: {identity: vigil-0}}\n".write(
            toFile: config,
            atomically: true,
            encoding: .utf8
        )
        let result = await vigil("run", "--config", config, "--listen", "127.0.0.1:\(try LoopbackPort.free())")
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("cluster.leader_election.identity: \"vigil-0\" would be every replica's"),
            "\(result.stderr)"
        )
    }
}
