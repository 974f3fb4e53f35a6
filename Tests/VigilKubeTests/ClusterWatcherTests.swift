import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// The cluster model kept current from the fake API server's collections.
struct ClusterWatcherTests {
    @Test func everyKindIsListedAndEventsFollowed() async throws {
        let server = try FakeAPIServer()
        let client = KubeClient(
            connection: KubeConnection(server: server.url),
            transport: CurlHTTPClient(),
            access: .read,
            qps: 100,
            burst: 50
        )
        // The fixture's events are dated 2026-11-29 12:00: a window wide enough to keep them.
        let watcher = ClusterWatcher(client: client, model: ClusterModel(eventWindow: 10 * 365 * 86_400))
        let running = Task { await watcher.run() }
        defer { running.cancel() }
        func settled(_ condition: (ClusterModel) -> Bool) async -> Bool {
            for _ in 0..<200 {
                if condition(await watcher.model) { return true }
                try? await Task.sleep(for: .milliseconds(25))
            }
            return false
        }
        #expect(
            await settled {
                $0.pods.count == 4 && $0.nodes.count == 1 && $0.workloads.count == 5 && $0.events.count == 2
            }
        )
        let model = await watcher.model
        // The fake serves events.k8s.io/v1: the watcher reads events in that shape.
        #expect(try await server.log().contains { $0.path == "/apis/events.k8s.io/v1/events" })
        #expect(model.events.map(\.reason) == ["Pulled", "Started"])
        #expect(model.events.allSatisfy { $0.involvedName == "web-1" && $0.message.hasSuffix("web-1") })
        #expect(model.rolloutHistory(ofDeployment: "shop", "web").compactMap(\.revision) == [2, 1])
        #expect(model.owners(ofPod: "shop", "cache-1").map(\.name) == ["web-7f6c", "web"])

        try await Task.sleep(for: .milliseconds(200))
        try await server.control(
            "/__event",
            #"{"type":"ADDED","object":{"apiVersion":"v1","kind":"Event","metadata":{"name":"web-1.9","namespace":"shop"},"involvedObject":{"kind":"Pod","name":"web-1"},"reason":"OOMKilling","message":"m","type":"Warning"}}"#
        )
        #expect(
            await settled {
                $0.events(involving: "Pod", namespace: "shop", name: "web-1").contains { $0.reason == "OOMKilling" }
            }
        )
    }
}
