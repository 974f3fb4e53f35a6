import Foundation
import Testing
import VigilHTTP

/// `vigil lint` as an SRE sees it: messages, exit codes.
struct LintCommandTests {
    @Test func validFilesExitZero() async throws {
        let path = repositoryRoot.appendingPathComponent("sample-metrics/node_exporter.prom").path
        let result = await vigil("lint", path)
        #expect(result.status == 0)
        #expect(result.stdout == "\(path): ok (prometheus, 507 samples)\n")
        #expect(result.stderr.isEmpty)
    }

    @Test func invalidFileExitsOneWithFileLineColumn() async throws {
        let good = try temporaryFile("a 1\n")
        let bad = try temporaryFile("a 1\nb{c=\"d\"} x\n")
        defer {
            try? FileManager.default.removeItem(at: good)
            try? FileManager.default.removeItem(at: bad)
        }
        let result = await vigil("lint", good.path, bad.path)
        #expect(result.status == 1)
        #expect(result.stderr == "\(bad.path):2:10: invalid value \"x\"\n")
        #expect(result.stdout.contains("\(good.path): ok"))
    }

    @Test func formatIsChosenByEOFMarkerOrFlag() async throws {
        let openMetrics = try temporaryFile("a_total 1\n# EOF\n")
        defer { try? FileManager.default.removeItem(at: openMetrics) }
        let auto = await vigil("lint", openMetrics.path)
        #expect(auto.status == 0)
        #expect(auto.stdout.contains("(openmetrics, 1 samples)"))
        // Read as text 0.0.4, `# EOF` is a comment and the body is just as valid.
        let forced = await vigil("lint", "--format", "prometheus", openMetrics.path)
        #expect(forced.stdout.contains("(prometheus, 1 samples)"))
        let strict = await vigil(
            "lint",
            "--format",
            "openmetrics",
            repositoryRoot.appendingPathComponent("sample-metrics/node_exporter.prom").path
        )
        #expect(strict.status == 1)
        // A 0.0.4 counter is named with its `_total`; OpenMetrics names the family without it.
        #expect(
            strict.stderr.contains(
                "node_exporter.prom:21:1: sample \"go_memstats_alloc_bytes_total\" does not fit counter \"go_memstats_alloc_bytes_total\""
            )
        )
    }

    @Test func missingFileIsReported() async {
        let result = await vigil("lint", "/nonexistent/metrics.prom")
        #expect(result.status == 1)
        #expect(result.stderr == "/nonexistent/metrics.prom: cannot open: No such file or directory\n")
    }

    @Test func usageErrorsExitTwo() async {
        let noFiles = await vigil("lint")
        #expect(noFiles.status == 2)
        #expect(noFiles.stderr.contains("Missing expected argument"))
        let badFormat = await vigil("lint", "--format", "xml", "a")
        #expect(badFormat.status == 2)
        let unknown = await vigil("frobnicate")
        #expect(unknown.status == 2)
    }

    @Test func anInputOverTheLimitIsRefusedNotReadWhole() async {
        // /dev/zero never ends: it was read until the process aborted at 1 GB.
        let endless = await vigil("lint", "--max-input-bytes", "1000000", "/dev/zero")
        #expect(endless.status == 1)
        #expect(endless.stderr == "/dev/zero: input larger than 1000000 bytes (raise --max-input-bytes to read it)\n")
        let parsed = await vigil("parse", "--max-input-bytes", "4096", "/dev/zero")
        #expect(parsed.status == 1)
        #expect(parsed.stderr.contains("/dev/zero: input larger than 4096 bytes"))
    }

    @Test func theVersionIsTheRelease() async {
        let result = await vigil("--version")
        #expect(result.status == 0)
        #expect(result.stdout == VigilRelease.version + "\n")
    }

    @Test func helpGoesToStdout() async {
        let result = await vigil("lint", "--help")
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: vigil lint [--format <format>] [--max-input-bytes <n>] <files> ..."))
        #expect(result.stdout.contains("FILE:LINE:COL"))
    }
}
