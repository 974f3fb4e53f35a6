import Foundation
import Testing

/// `vigil parse` output, pinned exactly.
struct ParseCommandTests {
    @Test func printsJSONWithFamiliesSamplesAndExemplars() async throws {
        let file = try temporaryFile(
            """
            # TYPE req counter
            # HELP req Requests "served".
            req_total{code="200"} 5 1700000000 # {trace_id="t1"} 1 1700000000.5
            # TYPE t gauge
            t NaN
            # EOF

            """,
            suffix: ".om"
        )
        defer { try? FileManager.default.removeItem(at: file) }
        let result = await vigil("parse", file.path, "--output", "json")
        #expect(result.status == 0)
        #expect(
            result.stdout
                == #"{"format":"openmetrics","families":[{"name":"req","type":"counter","help":"Requests \"served\".","unit":null,"samples":[{"name":"req_total","labels":{"code":"200"},"value":"5","timestamp_ms":1700000000000,"exemplar":{"labels":{"trace_id":"t1"},"value":"1","timestamp":1700000000.5}}]},{"name":"t","type":"gauge","help":null,"unit":null,"samples":[{"name":"t","labels":{},"value":"NaN","timestamp_ms":null}]}]}"#
                + "\n"
        )
    }

    @Test func printsText() async throws {
        let file = try temporaryFile("# TYPE up gauge\nup{job=\"a\\\"b\"} 1 5\n")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = await vigil("parse", file.path)
        #expect(result.stdout == "# up gauge\nup{job=\"a\\\"b\"} 1 @5\n")
    }

    @Test func invalidInputExitsOne() async throws {
        let file = try temporaryFile("up{\n")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = await vigil("parse", file.path)
        #expect(result.status == 1)
        #expect(result.stderr == "\(file.path):1:4: expected label name, got end of line\n")
    }
}
