import Foundation
import VigilHTTP

#if canImport(Glibc)
import Glibc
#endif

/// The fake kube-apiserver (`Tests/VigilKubeTests/Fixtures/fake_apiserver.py`) on a free loopback port,
/// with a kubeconfig pointing at it, started for a test and stopped with it.
public final class FakeAPIServer: @unchecked Sendable {
    private let server: LoopbackScript
    /// kubectl's HOME, holding the kubeconfig.
    private let directory: TemporaryDirectory

    public var port: Int { server.port }

    /// One logged request.
    public struct Request: Equatable, CustomStringConvertible {
        public var method: String
        public var path: String
        public var query: [[String]]
        public var contentType: String?
        /// The body parsed as JSON and printed canonically (sorted keys), so equal JSON compares equal.
        public var body: String?
        /// The status the server answered (nil while unanswered): a refused write is logged too.
        public var status: Int?
        /// A SelfSubjectAccessReview's resource attributes, as the server read them from JSON or protobuf.
        public var review: [String: String]?

        public init(
            method: String,
            path: String,
            query: [[String]],
            contentType: String?,
            body: String?,
            status: Int? = nil,
            review: [String: String]? = nil
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.contentType = contentType
            self.body = body
            self.status = status
            self.review = review
        }

        /// Requests compare by what was asked: tests state the requests kubectl would send, not answers.
        public static func == (lhs: Request, rhs: Request) -> Bool {
            (lhs.method, lhs.path, lhs.query, lhs.contentType, lhs.body)
                == (rhs.method, rhs.path, rhs.query, rhs.contentType, rhs.body)
        }

        public var description: String { "\(method) \(path) \(query) [\(contentType ?? "-")] \(body ?? "")" }
    }

    /// `scenario`: a recorded scenario's directory, whose objects and events it serves instead of its own;
    /// its kubeconfig then names no namespace, as a person's reading a cluster whole.
    public init(scenario: String? = nil) throws {
        server = try LoopbackScript(
            script: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("VigilKubeTests/Fixtures/fake_apiserver.py"),
            arguments: scenario.map { ["--scenario", $0] } ?? []
        )
        directory = try TemporaryDirectory("kubectl")
        let namespace = scenario == nil ? ", namespace: shop" : ""
        try """
        apiVersion: v1
        kind: Config
        current-context: test
        clusters: [{name: fake, cluster: {server: "http://127.0.0.1:\(server.port)"}}]
        users: [{name: tester, user: {token: fake-token}}]
        contexts: [{name: test, context: {cluster: fake, user: tester\(namespace)}}]

        """.write(to: kubeconfig, atomically: true, encoding: .utf8)
    }

    public var url: String { "http://127.0.0.1:\(port)" }
    public var kubeconfig: URL { directory.file("config") }

    /// The requests since the last reset, without discovery (which Vigil does not need for built-in
    /// resources) and kubectl's dispatcher probe.
    public func log() async throws -> [Request] {
        let data = try await CurlHTTPClient().execute(HTTPRequest(url: url + "/__log")).body
        let entries = try JSONSerialization.jsonObject(with: Data(data)) as! [[String: Any]]
        let discovery: Set<String> = [
            "/api", "/apis", "/api/v1", "/apis/apps/v1", "/apis/events.k8s.io/v1", "/apis/autoscaling/v1",
            "/apis/autoscaling/v2", "/apis/storage.k8s.io/v1", "/version", "/apis/rbac.authorization.k8s.io/v1",
            "/apis/policy/v1", "/apis/coordination.k8s.io/v1",
        ]
        return entries.compactMap { entry in
            let path = entry["path"] as! String
            guard !discovery.contains(path) else { return nil }
            var body: String?
            if let text = entry["body"] as? String, let data = text.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data)
            {
                body = String(
                    decoding: try! JSONSerialization.data(
                        withJSONObject: object,
                        options: [.sortedKeys, .withoutEscapingSlashes]
                    ),
                    as: UTF8.self
                )
            }
            return Request(
                method: entry["method"] as! String,
                path: path,
                query: entry["query"] as! [[String]],
                contentType: entry["contentType"] as? String,
                body: body,
                status: entry["status"] as? Int,
                review: entry["review"] as? [String: String]
            )
        }
    }

    /// Forgets the log and restores the initial objects.
    public func reset() async throws {
        _ = try await CurlHTTPClient().execute(HTTPRequest(url: url + "/__reset", method: .post))
    }

    /// POSTs to one of the server's control paths (`/__event`, `/__bookmark`, `/__compact`, `/__drop`).
    public func control(_ path: String, _ body: String? = nil) async throws {
        _ = try await CurlHTTPClient().execute(
            HTTPRequest(url: url + path, method: .post, body: body.map { Array($0.utf8) })
        )
    }

    /// The Authorization header of each logged request, in order.
    public func authorizations() async throws -> [String?] {
        let data = try await CurlHTTPClient().execute(HTTPRequest(url: url + "/__log")).body
        let entries = try JSONSerialization.jsonObject(with: Data(data)) as! [[String: Any]]
        return entries.map { $0["authorization"] as? String }
    }

    /// Runs the real kubectl against this server; its exit status and output. Waited for off Swift's
    /// cooperative pool (``offThePool(_:)``).
    public func kubectl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await VigilTestKit.kubectl(
            arguments,
            environment: ["KUBECONFIG": kubeconfig.path, "HOME": directory.url.path, "PATH": "/usr/bin:/bin"]
        )
    }
}
