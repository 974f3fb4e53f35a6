import Foundation
import Testing

/// `vigil generate` and `vigil bench parse`: shape of the output, not timings.
struct BenchAndGenerateTests {
    @Test func generateIsDeterministicAndValid() async throws {
        let first = await vigil("generate", "histogram", "--samples", "280")
        let second = await vigil("generate", "histogram", "--samples", "280")
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
        let lines = first.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == 280)
        let file = try temporaryFile(first.stdout)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(await vigil("lint", file.path).status == 0)
    }

    @Test func benchParsePrintsOneJSONLine() async throws {
        let file = try temporaryFile((await vigil("generate", "kube-state-metrics", "--samples", "1200")).stdout)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = await vigil("bench", "parse", file.path, "--runs", "3", "--warmup", "1")
        #expect(result.status == 0)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        )
        #expect(json["peer"] as? String == "vigil")
        #expect(json["samples"] as? Int == 1200)
        #expect((json["runs_ns"] as? [Any])?.count == 3)
        #expect((json["cpu_ns"] as? [Any])?.count == 3)
        #expect(json["ns_per_sample"] is Double || json["ns_per_sample"] is Int)
        // Without the preloaded counter, allocations are unknown rather than made up.
        #expect(json["allocs_per_sample"] is NSNull)
    }

    @Test func benchRejectsZeroRuns() async {
        #expect(await vigil("bench", "parse", "x", "--runs", "0").status == 2)
    }
}
