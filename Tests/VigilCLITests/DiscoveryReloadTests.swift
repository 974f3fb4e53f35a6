import Foundation
import Testing
import VigilCore
import VigilHTTP
import VigilScrape

@testable import VigilCLI

/// A reload does not restart the discovery jobs (their watches and the shard live as long as the
/// process): a changed `kubernetes_sd_configs` or `cluster.monitors` is named in the answer, not silently ignored.
struct DiscoveryReloadTests {
    static func config(namespace: String, relabel: String = "keep") -> String {
        """
        scrape_configs:
          - job_name: pods
            kubernetes_sd_configs:
              - role: pod
                namespaces: {names: [\(namespace)]}
            relabel_configs:
              - {action: \(relabel), source_labels: [__meta_kubernetes_namespace], regex: '.+', target_label: ns}

        """
    }

    @Test func aChangedDiscoveryIsNamedAsWaitingForARestart() async throws {
        let file = try temporaryFile(Self.config(namespace: "shop"), suffix: ".yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        let (reloader, _) = try testReloader(file)
        guard case .success(let same) = await reloader.reload(trigger: "test") else {
            Issue.record("the reload was refused")
            return
        }
        #expect(!same.contains("kubernetes_sd_configs"), "nothing changed: \(same)")
        for changed in [Self.config(namespace: "web"), Self.config(namespace: "shop", relabel: "replace")] {
            try changed.write(to: file, atomically: true, encoding: .utf8)
            guard case .success(let summary) = await reloader.reload(trigger: "test") else {
                Issue.record("the reload was refused")
                return
            }
            #expect(summary.contains("kubernetes_sd_configs and cluster.monitors changes apply at the next restart"))
        }
    }
}
