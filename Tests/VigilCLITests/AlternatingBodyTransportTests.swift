import Testing
import VigilHTTP

@testable import VigilCLI

/// `vigil bench pipeline --vary`: the file, then every value plus one, in turn.
struct AlternatingBodyTransportTests {
    @Test func everyValueChangesAndNothingElse() {
        let body = """
            # HELP up Whether the target is up.
            # TYPE up gauge
            up 1
            queue{name="a b",path="}"} 2.5 1700000000000
            broken{x="y"} not-a-number

            """
        #expect(
            String(decoding: AlternatingBodyTransport.everyValuePlusOne(Array(body.utf8)), as: UTF8.self) == """
                # HELP up Whether the target is up.
                # TYPE up gauge
                up 2.0
                queue{name="a b",path="}"} 3.5 1700000000000
                broken{x="y"} not-a-number

                """
        )
    }

    @Test func scrapesAlternateBetweenTheTwoBodies() async throws {
        let transport = AlternatingBodyTransport(body: Array("up 1\n".utf8))
        let request = HTTPRequest(url: "http://bench:9100/metrics")
        var bodies: [String] = []
        for _ in 0..<3 { bodies.append(String(decoding: try await transport.execute(request).body, as: UTF8.self)) }
        #expect(bodies == ["up 1\n", "up 2.0\n", "up 1\n"])
    }
}
