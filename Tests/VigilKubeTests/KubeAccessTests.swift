import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// A client that may only read, or only read and dry-run, cannot change the cluster: a change is refused
/// before it leaves the process, whatever the code holding the client asks. (That such a client still
/// sends every dry run exactly as kubectl does is `KubectlParityTests`'.)
@Suite(.serialized)
struct KubeAccessTests {
    let server: FakeAPIServer
    init() throws { server = try FakeAPIServer() }

    func client(_ access: KubeAccess) -> KubeClient {
        KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop"),
            transport: CurlHTTPClient(),
            access: access
        )
    }

    static let drain = KubeAction.drain(
        node: "node-1",
        DrainOptions(ignoreDaemonSets: true, deleteEmptyDirData: true, force: true)
    )

    /// Every action, done for real through a client that may only dry-run: refused, and the server saw
    /// nothing but reads.
    @Test(arguments: KubectlParityTests.cases.filter { !$0.dryRun }.map(\.action) + [drain])
    func aDryRunClientSendsNoChange(_ action: KubeAction) async throws {
        try await server.reset()
        let error = await #expect(throws: KubeError.self) {
            try await client(.dryRun).perform(action, dryRun: false)
        }
        #expect(error?.message.hasPrefix("refused before sending: ") == true, "\(String(describing: error))")
        #expect(error?.message.hasSuffix("and this client only reads and dry-runs") == true)
        let sent = try await server.log()
        #expect(sent.allSatisfy { $0.method == "GET" }, "\(sent.map(\.description))")
    }

    /// A client that may only read sends no dry run either.
    @Test(arguments: KubectlParityTests.cases.filter(\.dryRun).map(\.action) + [drain])
    func aReadClientSendsNoDryRun(_ action: KubeAction) async throws {
        try await server.reset()
        let error = await #expect(throws: KubeError.self) {
            try await client(.read).perform(action, dryRun: true)
        }
        #expect(error?.message.hasSuffix("and this client only reads") == true, "\(String(describing: error))")
        let sent = try await server.log()
        #expect(sent.allSatisfy { $0.method == "GET" }, "\(sent.map(\.description))")
    }

    /// What only watches keeps a client that only reads, whatever client its maker gave it: the daemon's
    /// cluster watcher, its target discovery, every reflector. Narrowing never widens.
    @Test func whatOnlyWatchesKeepsAClientThatOnlyReads() async {
        let writer = client(.write)
        #expect(await ClusterWatcher(client: writer).client.access == .read)
        #expect(await KubernetesDiscovery(client: writer, configuration: .init(role: .pod)).client.access == .read)
        #expect(Reflector(client: writer, collection: "/api/v1/pods").client.access == .read)
        #expect(writer.narrowed(to: .dryRun).access == .dryRun)
        #expect(client(.read).narrowed(to: .write).access == .read)
    }

    /// An object name that would end the path early (`#` drops the rest, `?` starts a query of its own)
    /// takes the `dryRun=All` after it away, and names another object: refused for every client, and
    /// nothing is sent, not even the read before the change.
    @Test(arguments: ["web#", "web?x=", "web x"])
    func aNameThatWouldMoveTheQueryIsRefused(name: String) async throws {
        try await server.reset()
        for access in [KubeAccess.read, .dryRun, .write] {
            let error = await #expect(throws: KubeError.self) {
                try await client(access).perform(
                    .restart(KubeObjectReference(.deployment, namespace: "shop", name: name)),
                    dryRun: true
                )
            }
            #expect(error?.message.contains("would move the query") == true, "\(String(describing: error))")
        }
        #expect(try await server.log().isEmpty)
    }

    /// A method Vigil has no name for is not sent as some other one.
    @Test func anUnknownMethodIsRefused() async throws {
        try await server.reset()
        let error = await #expect(throws: KubeError.self) {
            try await client(.write).send(KubeRequest(method: "PURGE", path: "/api/v1/nodes/node-1"))
        }
        #expect(error?.message == "refused before sending: unknown method PURGE")
        #expect(try await server.log().isEmpty)
    }

    /// A dry run is read where the API server reads it: the query, or, for a delete and an eviction with
    /// a body, their DeleteOptions alone. A patch whose own fields say `dryRun` is a change; a GET with a
    /// body goes out as a POST.
    @Test func aDryRunIsKnownByWhereKubectlPutsIt() {
        func body(_ json: String) -> [UInt8] { Array(json.utf8) }
        let dryRunOptions = body(#"{"dryRun":["All"],"propagationPolicy":"Background"}"#)
        let cases: [(KubeRequest, dryRun: Bool)] = [
            (KubeRequest(method: "PATCH", path: "/api/v1/nodes/n", query: [.init("dryRun", "All")]), true),
            (KubeRequest(method: "PATCH", path: "/api/v1/nodes/n", body: dryRunOptions), false),
            (KubeRequest(method: "PATCH", path: "/api/v1/nodes/n", query: [.init("dryRun", "None")]), false),
            (KubeRequest(method: "DELETE", path: "/api/v1/namespaces/shop/pods/p", body: dryRunOptions), true),
            (KubeRequest(method: "DELETE", path: "/api/v1/namespaces/shop/pods/p"), false),
            (
                KubeRequest(
                    method: "DELETE",
                    path: "/api/v1/namespaces/shop/pods/p",
                    body: body(#"{"dryRun":["All","Other"]}"#)
                ), false
            ),
            (
                KubeRequest(
                    method: "POST",
                    path: "/api/v1/namespaces/shop/pods/p/eviction",
                    body: body(#"{"kind":"Eviction","deleteOptions":{"dryRun":["All"]}}"#)
                ), true
            ),
            (
                KubeRequest(
                    method: "POST",
                    path: "/api/v1/namespaces/shop/pods/p/eviction",
                    body: body(#"{"kind":"Eviction","deleteOptions":{}}"#)
                ), false
            ),
            (KubeRequest(method: "POST", path: "/api/v1/namespaces/shop/pods", body: dryRunOptions), false),
            (KubeRequest(method: "DELETE", path: "/api/v1/namespaces/shop/pods/p", body: body("not json")), false),
            (
                KubeRequest(method: "DELETE", path: "/api/v1/namespaces/shop/pods/p", query: [.init("dryRun", "All")]),
                true
            ),
            (
                KubeRequest(
                    method: "DELETE",
                    path: "/api/v1/namespaces/shop/pods/p",
                    query: [.init("dryRun", "All")],
                    body: body(#"{"propagationPolicy":"Background"}"#)
                ), false
            ),
            (KubeRequest(method: "GET", path: "/api/v1/namespaces/shop/pods", body: body("{}")), false),
        ]
        for (request, dryRun) in cases {
            let described =
                "\(request.method) \(request.path) \(request.query) \(String(decoding: request.body ?? [], as: UTF8.self))"
            #expect(KubeAccess.dryRun.permits(request) == dryRun, "\(described)")
            #expect(!KubeAccess.read.permits(request), "\(described)")
            #expect(KubeAccess.write.permits(request), "\(described)")
        }
        let read = KubeRequest(method: "GET", path: "/api/v1/nodes/n")
        #expect(KubeAccess.read.permits(read) && KubeAccess.dryRun.permits(read) && KubeAccess.write.permits(read))
    }
}
