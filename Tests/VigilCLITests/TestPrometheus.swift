import Foundation
import Testing
import VigilTestKit

/// Debian's Prometheus (`/usr/bin/prometheus`) on a loopback port, run in `workspace` with `config` as
/// its `prometheus.yml` and its TSDB in `data/` there; it stops when released.
struct TestPrometheus {
    let process: ChildProcess
    /// The HTTP API's base URL.
    let api: String

    /// Starts it and, unless `waitUntilReady` is false, waits (at most a minute, while it loads its
    /// blocks) until `/-/ready` answers 200. `port`: the kernel's pick unless given.
    static func start(
        in workspace: TemporaryDirectory,
        config: String,
        arguments: [String] = [],
        port: Int? = nil,
        waitUntilReady: Bool = true
    ) async throws -> TestPrometheus {
        let port = try port ?? LoopbackPort.free()
        try config.write(to: workspace.file("prometheus.yml"), atomically: true, encoding: .utf8)
        let process = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/prometheus"),
            ["--config.file=prometheus.yml", "--storage.tsdb.path=data", "--web.listen-address=127.0.0.1:\(port)"]
                + arguments,
            workingDirectory: workspace.url
        )
        let prometheus = TestPrometheus(process: process, api: "http://127.0.0.1:\(port)")
        if waitUntilReady {
            let ready = await eventually(60) { (try? await fetch(prometheus.api + "/-/ready"))?.status == 200 }
            try #require(ready, "prometheus: \(process.stderr.suffix(2000))")
        }
        return prometheus
    }

    /// Loads an OpenMetrics text with a timestamp on every sample into `workspace`'s `data/` as TSDB
    /// blocks (`promtool tsdb create-blocks-from openmetrics`), for a Prometheus started there after.
    static func createBlocks(in workspace: TemporaryDirectory, from openMetrics: URL) async throws {
        let promtool = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/promtool"),
            ["tsdb", "create-blocks-from", "openmetrics", openMetrics.path, "data"],
            workingDirectory: workspace.url
        )
        let status = await promtool.exitStatus(within: 120)
        try #require(status == 0, "promtool: \(promtool.stderr)")
    }
}
