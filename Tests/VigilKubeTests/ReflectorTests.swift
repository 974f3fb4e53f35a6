import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// The reflector against the fake API server: list, watch, resume, relist — nothing lost, nothing twice.
@Suite(.serialized)
struct ReflectorTests {
    let server: FakeAPIServer
    init() throws { server = try FakeAPIServer() }

    /// What the reflector delivered, as short strings (`listed web-1.1,web-1.2`, `added web-1.3`).
    final class Delivered: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [String] = []

        func record(_ event: ReflectorEvent) {
            func name(_ raw: [UInt8]) -> String {
                let object = try? JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any]
                return (object?["metadata"] as? [String: Any])?["name"] as? String ?? "?"
            }
            let line =
                switch event {
                case .listed(let items): "listed " + items.map(name).joined(separator: ",")
                case .added(let raw): "added " + name(raw)
                case .modified(let raw): "modified " + name(raw)
                case .deleted(let raw): "deleted " + name(raw)
                }
            lock.withLock { events.append(line) }
        }

        var all: [String] { lock.withLock { events } }

        func wait(for count: Int) async {
            for _ in 0..<400 where all.count < count { try? await Task.sleep(for: .milliseconds(25)) }
        }
    }

    func event(_ type: String, _ name: String, reason: String) -> String {
        #"{"type":"\#(type)","object":{"apiVersion":"v1","kind":"Event","metadata":{"name":"\#(name)","namespace":"shop"},"reason":"\#(reason)","message":"m","type":"Warning"}}"#
    }

    @Test func listsWatchesResumesAndRelistsWithoutLosingOrRepeating() async throws {
        try await server.reset()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop"),
            transport: CurlHTTPClient(),
            access: .read
        )
        let reflector = Reflector(client: client, collection: "/api/v1/namespaces/shop/events")
        let delivered = Delivered()
        let running = Task { await reflector.run { delivered.record($0) } }
        defer { running.cancel() }

        await delivered.wait(for: 1)
        try await Task.sleep(for: .milliseconds(200))  // the watch is open
        try await server.control("/__event", event("ADDED", "web-1.3", reason: "BackOff"))
        try await server.control("/__bookmark")
        await delivered.wait(for: 2)
        // The connection drops: the reflector watches again from where it was, without a relist.
        try await server.control("/__drop")
        try await Task.sleep(for: .milliseconds(300))
        try await server.control("/__event", event("MODIFIED", "web-1.3", reason: "BackOff"))
        await delivered.wait(for: 3)
        // History is gone (410 Expired): the reflector lists again, then watches from the new list.
        try await server.control("/__compact")
        await delivered.wait(for: 4)
        try await Task.sleep(for: .milliseconds(300))
        try await server.control("/__event", event("DELETED", "web-1.1", reason: "Pulled"))
        await delivered.wait(for: 5)

        #expect(
            delivered.all == [
                "listed web-1.1,web-1.2", "added web-1.3", "modified web-1.3", "listed web-1.1,web-1.2,web-1.3",
                "deleted web-1.1",
            ]
        )
        let requests = try await server.log().filter { $0.path.hasSuffix("/events") }.map { request in
            request.query.map { "\($0[0])=\($0[1])" }.filter { !$0.hasPrefix("timeoutSeconds") }.joined(separator: "&")
        }
        #expect(
            requests == [
                // List at 2; the ADDED is 3 (the bookmark repeats 3); resume from 3; the MODIFIED is 4;
                // after the 410, the list is at 4.
                "limit=500", "allowWatchBookmarks=true&resourceVersion=2&watch=true",
                "allowWatchBookmarks=true&resourceVersion=3&watch=true", "limit=500",
                "allowWatchBookmarks=true&resourceVersion=4&watch=true",
            ]
        )
    }

    @Test func aListFollowsContinueTokensToTheLastPage() async throws {
        try await server.reset()
        let client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "shop"),
            transport: CurlHTTPClient(),
            access: .read
        )
        let list = try await client.list("/api/v1/namespaces/shop/events", query: [.init("limit", "1")])
        #expect(
            list.items.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String } == ["web-1.1", "web-1.2"]
        )
        #expect(list.resourceVersion == "2")
        let pages = try await server.log().map { $0.query.map { "\($0[0])=\($0[1])" }.joined(separator: "&") }
        #expect(pages == ["limit=1", "continue=1&limit=1"])

        // The reflector lists the same way before it watches.
        let delivered = Delivered()
        let reflector = Reflector(client: client, collection: "/api/v1/namespaces/shop/events", pageSize: 1)
        let running = Task { await reflector.run { delivered.record($0) } }
        defer { running.cancel() }
        await delivered.wait(for: 1)
        #expect(delivered.all.first == "listed web-1.1,web-1.2")
    }
}
