import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import VigilEngine
import VigilScrape
import VigilServer

/// A `VigilServer` on a free loopback port in this process, with no pipeline behind it, stopped by
/// ``stop()``.
final class TestServer: Sendable {
    let port: Int
    let reloads: ReloadCounter
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// A server over the web configuration `file`, with the `enabled` mutating groups.
    convenience init(webConfigFile file: String, enabled: Set<MutatingAPI>) async throws {
        let logger = Logger(label: "test")
        try await self.init(
            security: WebSecurity.load(webConfigFile: file, bearerTokenFile: nil, enabled: enabled, logger: logger)
        )
    }

    /// - Parameter alerts: the webhook's queue, run beside the server (none: the webhook answers 404).
    init(security: WebSecurity = WebSecurity(), alerts: AlertIntake? = nil) async throws {
        let logger = Logger(label: "test")
        let reloads = ReloadCounter()
        let server = VigilServer(
            host: "127.0.0.1",
            port: 0,
            status: NoPipeline(),
            registry: PrometheusCollectorRegistry(),
            logger: logger,
            security: security,
            alerts: alerts,
            reload: { _ in
                reloads.add()
                return .success("reloaded")
            }
        )
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let service = try server.service { continuation.yield($0) }
        let group = ServiceGroup(services: [service] + (alerts.map { [$0] } ?? []), logger: logger)
        self.group = group
        self.reloads = reloads
        task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        self.port = port
    }

    var base: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

/// How many reloads the server ran.
final class ReloadCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}

/// A daemon with no targets and no diagnosis: ready, empty.
struct NoPipeline: DaemonStatus {
    var isReady: Bool { true }
    var health: [TargetHealth] { [] }
    func anomalies(includeEnded: Bool) async -> [AnomalyReport] { [] }
    func scoreChunk(from cursor: Int, chunkBytes: Int) async -> (bytes: [UInt8], next: Int?) { ([], nil) }
    func incidents(in state: TrackedIncident.State?) async -> [TrackedIncident] { [] }
    func incident(id: String) async -> TrackedIncident? { nil }
    func latestDiagnosis() async -> DiagnosisEngine.Diagnosis? { nil }
}
