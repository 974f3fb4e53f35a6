import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// A cluster's `proxy-url` carries every request.
struct ProxyTests {
    @Test func requestsGoThroughTheClustersProxy() async throws {
        let server = try FakeAPIServer()
        // The API server's name does not resolve: only the proxy (the fake server, answering for it) can
        // take the request.
        let connection = KubeConnection(
            server: "http://apiserver.invalid:6443",
            namespace: "shop",
            proxyURL: server.url
        )
        let client = KubeClient(connection: connection, transport: CurlHTTPClient(), access: .dryRun)
        let outcome = try await client.perform(.cordon(node: "node-1"), dryRun: true)
        #expect(outcome.summary == "node/node-1 cordoned (server dry run)")
        #expect(try await server.log().map(\.method) == ["GET", "PATCH"])
    }
}
