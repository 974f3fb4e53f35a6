import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// A cluster's `tls-server-name`: requests name the server by it and connect to the real address.
struct TLSServerNameTests {
    /// Answers 200 with `{}` and remembers each request.
    final class RecordingTransport: WholeAnswerTransport, @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: [HTTPRequest] = []
        var requests: [HTTPRequest] { lock.withLock { recorded } }

        func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
            lock.withLock { recorded.append(request) }
            return HTTPResponse(status: 200, headers: [], body: Array("{}".utf8), bytesOnWire: 2)
        }
    }

    /// The name goes into the TLS handshake alone: the Host header names the server as its URL does, as
    /// client-go's does.
    @Test(arguments: [("https://10.0.0.1:6443", "10.0.0.1"), ("https://[fd00::1]:6443", "[fd00::1]")])
    func theCertificateNameAddressesTheServer(server: String, address: String) async throws {
        let transport = RecordingTransport()
        var connection = KubeConnection(server: server, namespace: "shop")
        connection.tlsServerName = "kubernetes.default"
        _ = try await KubeClient(connection: connection, transport: transport, access: .read).send(
            KubeRequest(method: "GET", path: "/api/v1/nodes/n")
        )
        let request = try #require(transport.requests.first)
        #expect(request.url == "https://kubernetes.default:6443/api/v1/nodes/n")
        #expect(request.connectTo == "kubernetes.default:6443:\(address):6443")
        #expect(request.headers.filter { $0.name == "Host" }.map(\.value) == ["\(address):6443"])
    }
}
