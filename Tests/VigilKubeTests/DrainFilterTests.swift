import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// The drain's choices where kubectl's `pkg/drain` makes them otherwise than a first reading suggests,
/// each checked against the real kubectl on the same fake API server: a pod is gone when a pod of its
/// name has another UID, an owner that is no controller manages nothing, a deleted DaemonSet's pod goes
/// only with --force, a pod long past its deletion time is skipped, and a failure after the cordon is
/// a change that may have landed.
@Suite(.serialized)
struct DrainFilterTests {
    let server: FakeAPIServer
    init() throws { server = try FakeAPIServer() }

    var client: KubeClient {
        KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop"),
            transport: CurlHTTPClient(),
            access: .write
        )
    }

    /// Every pod of the fixture's node may go with these.
    static let everything = DrainOptions(ignoreDaemonSets: true, deleteEmptyDirData: true, force: true, timeout: 20)

    func create(pod name: String, owner: String?, extra: String = "") async throws {
        let owners = owner.map { #", "ownerReferences": [\#($0)]"# } ?? ""
        try await server.control(
            "/__create",
            #"{"object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "\#(name)", "namespace": "shop", "uid": "uid-\#(name)", "resourceVersion": "1"\#(owners)\#(extra)}, "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "shop/web:1"}]}}}"#
        )
    }

    /// A StatefulSet makes `db-0` again under its name the moment it is gone: waiting for a 404 waited
    /// out the whole timeout and failed the drain, where kubectl sees another UID and is done.
    @Test func aPodMadeAgainUnderItsNameIsGone() async throws {
        try await server.reset()
        try await server.control("/__recreate", #"{"pod": "cache-1"}"#)
        let outcome = try await client.perform(.drain(node: "node-1", Self.everything), dryRun: false)
        #expect(outcome.summary.contains("pod/cache-1 evicted"), "\(outcome.summary)")
        try await server.reset()
        try await server.control("/__recreate", #"{"pod": "cache-1"}"#)
        let kubectl = try await server.kubectl(Array(KubectlParityTests.words(outcome.kubectl).dropFirst()))
        #expect(kubectl.status == 0, "\(kubectl.output)")
    }

    /// An owner reference without `controller: true` (one kept for garbage collection) recreates nothing:
    /// the pod is unmanaged and goes only with --force. Vigil took the first owner for its controller.
    @Test func aPodWhoseOwnersControlNothingIsUnmanaged() async throws {
        try await server.reset()
        try await create(
            pod: "gc-only",
            owner: #"{"apiVersion": "v1", "kind": "ConfigMap", "name": "settings", "uid": "uid-settings"}"#
        )
        var options = Self.everything
        options.force = false
        let refusal = await #expect(throws: KubeError.self) {
            try await client.perform(.drain(node: "node-1", options), dryRun: false)
        }
        let line = { (text: String) in
            text.split(separator: "\n").flatMap { $0.split(separator: ", cannot") }
                .first { $0.contains("declare no controller") }.map(String.init) ?? ""
        }
        let message = refusal.map(\.message) ?? ""
        #expect(line(message).contains("shop/gc-only"), "\(message)")
        #expect(try await server.log().filter { $0.path.hasSuffix("/eviction") }.isEmpty)
        let kubectl = try await server.kubectl(["drain", "node-1", "--ignore-daemonsets", "--delete-emptydir-data"])
        #expect(kubectl.status != 0)
        #expect(line(kubectl.output).contains("shop/gc-only"), "\(kubectl.output)")
    }

    /// A DaemonSet deleted with its pods left running (`--cascade=orphan`): kubectl refuses the pod in the
    /// server's words unless --force, and then deletes it with a warning. Vigil evicted it silently. A
    /// DaemonSet of another group (OpenKruise's) is looked up as apps/v1's by kind, as kubectl 1.32 looks
    /// it up, and is refused the same way.
    @Test(arguments: ["apps/v1", "apps.kruise.io/v1alpha1"])
    func aPodOfADeletedDaemonSetGoesOnlyWithForce(group: String) async throws {
        func orphan() async throws {
            try await server.reset()
            try await create(
                pod: "agent-1",
                owner:
                    #"{"apiVersion": "\#(group)", "kind": "DaemonSet", "name": "log-agent", "uid": "u", "controller": true}"#
            )
        }
        try await orphan()
        let refusal = #"cannot delete daemonsets.apps "log-agent" not found: shop/agent-1"#
        var options = Self.everything
        options.force = false
        await #expect {
            try await client.perform(.drain(node: "node-1", options), dryRun: false)
        } throws: { error in
            (error as? KubeError)?.message.contains(refusal) == true
        }
        let kubectl = try await server.kubectl(["drain", "node-1", "--ignore-daemonsets", "--delete-emptydir-data"])
        #expect(kubectl.output.contains(refusal), "\(kubectl.output)")

        try await orphan()
        let outcome = try await client.perform(.drain(node: "node-1", Self.everything), dryRun: false)
        #expect(outcome.summary.contains(#"Warning: daemonsets.apps "log-agent" not found: shop/agent-1"#))
        #expect(outcome.summary.contains("pod/agent-1 evicted"), "\(outcome.summary)")
    }

    /// A node that stopped working never confirms its pods' ends: an eviction marks the pod deleted and it
    /// stays. With the skip, a pod whose deletion time passed longer ago is neither evicted nor waited
    /// for (kubectl's `--skip-wait-for-delete-timeout`), and the printed command says so.
    @Test func aPodLongPastItsDeletionTimeIsNotWaitedFor() async throws {
        try await server.reset()
        // Marked before the drain: skipped, never evicted.
        try await create(pod: "stuck-1", owner: nil, extra: #", "deletionTimestamp": "2020-01-01T00:00:00Z""#)
        // Marked by its eviction, long past at once (as after the grace period and a minute more).
        try await server.control("/__linger", #"{"pod": "cache-1", "deletionTimestamp": "2020-01-01T00:00:00Z"}"#)
        var options = Self.everything
        options.skipWaitForDeleteTimeout = 60
        let outcome = try await client.perform(.drain(node: "node-1", options), dryRun: false)
        #expect(outcome.summary.contains("pod/cache-1 evicted"), "\(outcome.summary)")
        let evicted = try await server.log().filter { $0.path.hasSuffix("/eviction") }.map(\.path)
        #expect(!evicted.contains { $0.contains("stuck-1") } && evicted.contains { $0.contains("cache-1") })
        #expect(outcome.kubectl.contains(" --skip-wait-for-delete-timeout=60"))

        try await server.reset()
        try await create(pod: "stuck-1", owner: nil, extra: #", "deletionTimestamp": "2020-01-01T00:00:00Z""#)
        try await server.control("/__linger", #"{"pod": "cache-1", "deletionTimestamp": "2020-01-01T00:00:00Z"}"#)
        let kubectl = try await server.kubectl(Array(KubectlParityTests.words(outcome.kubectl).dropFirst()))
        #expect(kubectl.status == 0, "\(kubectl.output)")
        #expect(try await server.log().filter { $0.path.hasSuffix("/stuck-1/eviction") }.isEmpty)
    }

    /// The cordon landed, then reading a DaemonSet was refused (RBAC's 403): the node changed, so the
    /// failure says it may have (status 0), and the guards count it; its own 403 read as nothing changed.
    @Test func aFailureAfterTheCordonMayHaveLanded() async throws {
        let daemonSet = "/apis/apps/v1/namespaces/shop/daemonsets/web"
        func drain(dryRun: Bool) async throws -> KubeError? {
            try await server.reset()
            try await server.control("/__refuse", #"{"path": "\#(daemonSet)", "status": 403}"#)
            return await #expect(throws: KubeError.self) {
                try await client.perform(.drain(node: "node-1", Self.everything), dryRun: dryRun)
            }
        }
        let failure = try await drain(dryRun: false)
        #expect(failure?.code == 0)
        #expect(failure?.message.hasPrefix("node/node-1 cordoned\n") == true, "\(failure?.message ?? "")")
        #expect(failure?.message.hasSuffix("Error from server (Forbidden): refused by the test: \(daemonSet)") == true)
        // Nothing was cordoned by a dry run: its failure keeps the server's status.
        #expect(try await drain(dryRun: true)?.code == 403)
    }

    /// Options decoded from a record or board entry written before the skip existed have none; a skip
    /// that is no number of seconds from 0 to a day is refused, as a timeout is.
    @Test func decodedOptionsTakeTheSkipWhenItIsThere() throws {
        let older = #"{"ignoreDaemonSets":true,"deleteEmptyDirData":true,"force":false,"timeout":300}"#
        let decoded = try JSONDecoder().decode(DrainOptions.self, from: Data(older.utf8))
        #expect(decoded == DrainOptions(ignoreDaemonSets: true, deleteEmptyDirData: true, timeout: 300))
        var options = Self.everything
        options.skipWaitForDeleteTimeout = 60
        #expect(try JSONDecoder().decode(DrainOptions.self, from: JSONEncoder().encode(options)) == options)
        for skip in ["-1", "1e300"] {
            let forged = older.replacingOccurrences(of: "}", with: #","skipWaitForDeleteTimeout":\#(skip)}"#)
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(DrainOptions.self, from: Data(forged.utf8)) }
        }
    }
}
