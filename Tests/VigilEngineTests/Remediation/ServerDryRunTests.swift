import Foundation
import Testing
import VigilKube
import VigilRules
import VigilTestKit

@testable import VigilEngine

/// `vigil mcp`'s preview: a proposal sent as a server-side dry run, through a client that cannot store a
/// change whatever client it was given.
@Suite struct ServerDryRunTests {
    @Test func aPreviewSendsTheDryRunAndKeepsAClientThatCannotWrite() async throws {
        let fixture = try RemediationFixture()
        #expect(fixture.kube.access == .write)
        let preview = ServerDryRun(kube: fixture.kube)
        #expect(preview.kube.access == .dryRun)
        let incident = RemediationFixture.memoryIncident()
        let state = await preview.preview(incident.proposals[0], of: incident)
        #expect(state.reason == "accepted", "\(state)")
        let sent = try await fixture.server.log()
        #expect(sent.contains { $0.method == "PATCH" && $0.query.contains(["dryRun", "All"]) })
        #expect(try await fixture.changes().isEmpty)
    }
}
