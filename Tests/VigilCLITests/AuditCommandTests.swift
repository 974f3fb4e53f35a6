import Foundation
import Testing
import VigilEngine
import VigilTestKit

/// `vigil audit`: the log read back, and a log that is not there said so rather than shown as empty.
struct AuditCommandTests {
    @Test func aLogThatIsNotThereIsAnErrorNamingThePath() async throws {
        let state = try TemporaryDirectory("audit-missing")
        for arguments in [["--state-dir", state.url.path], ["--audit-log", state.file("audit.jsonl").path]] {
            let result = await vigil(["audit"] + arguments)
            #expect(result.status == 2)
            #expect(result.stdout.isEmpty)
            #expect(
                result.stderr.hasPrefix("vigil audit: no audit log at \(state.file("audit.jsonl").path): "),
                "\(result.stderr)"
            )
        }
    }

    @Test func aLogIsShownOneStepALine() async throws {
        let state = try TemporaryDirectory("audit-shown")
        var record = AuditRecord(
            time: "2026-12-07T10:00:00.000Z",
            step: .proposed,
            proposal: "p1",
            incident: "i1",
            subject: "deployment/web",
            cause: "memory-limit",
            action: "set-resources",
            target: "deployment/web",
            namespace: "shop",
            actor: "vigil"
        )
        record.message = "kubectl set resources deployment/web"
        try AuditLog(path: state.file("audit.jsonl").path, environment: [:]).append(record)
        let result = await vigil(["audit", "--state-dir", state.url.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout
                == "2026-12-07T10:00:00.000Z  proposed    set-resources deployment/web -n shop  p1  by vigil: "
                + "kubectl set resources deployment/web\n"
        )
    }
}
