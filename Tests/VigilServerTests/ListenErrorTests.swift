import Logging
import Prometheus
import ServiceLifecycle
import Testing
import VigilServer

/// A port already taken is said in words with the address (NIO's own error names neither), so the start
/// can say it in the log's format and exit 1.
struct ListenErrorTests {
    @Test func aTakenPortIsNamedWithItsAddress() async throws {
        let first = try await TestServer()
        let second = VigilServer(
            host: "127.0.0.1",
            port: first.port,
            status: NoPipeline(),
            registry: PrometheusCollectorRegistry(),
            logger: Logger(label: "test"),
            reload: { _ in .success("") }
        )
        await #expect {
            try await second.service().run()
        } throws: { error in
            (error as? ListenError)?.description == "cannot listen on 127.0.0.1:\(first.port): address already in use"
        }
        await first.stop()
    }
}
