import Testing
import VigilHTTP

/// `vigil bench pipeline --vary` and the pipeline benchmark: the bodies in turn.
struct CyclingBodyTransportTests {
    @Test func requestsGetTheBodiesInTurn() async throws {
        let transport = CyclingBodyTransport(bodies: [Array("up 1\n".utf8), Array("up 2\n".utf8)])
        let request = HTTPRequest(url: "http://bench:9100/metrics")
        var bodies: [String] = []
        for _ in 0..<3 { bodies.append(String(decoding: try await transport.execute(request).body, as: UTF8.self)) }
        #expect(bodies == ["up 1\n", "up 2\n", "up 1\n"])
    }
}
