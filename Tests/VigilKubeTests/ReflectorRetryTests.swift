import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// How a reflector goes on after a watch ends badly, against a scripted server and a manual clock: from
/// the last frame received, and after a backoff that grows, never in a tight loop.
struct ReflectorRetryTests {
    /// An API server without a network: the list is `web-1.1` at resourceVersion 2, and each watch is
    /// answered by `watch` (given the resourceVersion asked for) with a body and how the transfer ends.
    final class ScriptedAPIServer: HTTPTransport {
        let watch: @Sendable (_ resourceVersion: String) -> (body: String, failure: HTTPClientError?)
        /// Each list request's answer, given its query: by default one page, `web-1.1` at 2.
        let list: @Sendable (_ query: [String: String]) -> (status: Int, body: String)
        private let logged = Locked<[String]>([])
        private let bounds = Locked<[String]>([])

        static let onePage =
            #"{"kind":"List","metadata":{"resourceVersion":"2"},"items":[{"metadata":{"name":"web-1.1","namespace":"shop","resourceVersion":"1"}}]}"#

        init(
            list: @escaping @Sendable (_ query: [String: String]) -> (status: Int, body: String) = { _ in
                (200, ScriptedAPIServer.onePage)
            },
            watch: @escaping @Sendable (_ resourceVersion: String) -> (body: String, failure: HTTPClientError?)
        ) {
            self.list = list
            self.watch = watch
        }

        /// Each request's query as the reflector tests write it (`limit=500`), without `timeoutSeconds`.
        var requests: [String] { logged.withLock { $0 } }
        /// Each whole-answer request's timeout and body limit, `30 s, 64 MiB`.
        var limits: [String] { bounds.withLock { $0 } }

        var client: KubeClient {
            KubeClient(
                connection: KubeConnection(server: "https://apiserver.invalid", namespace: "shop"),
                transport: self,
                access: .read,
                qps: 100,
                burst: 50
            )
        }

        func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
            bounds.withLock { $0.append("\(Int(request.timeout)) s, \(request.maxBodyBytes >> 20) MiB") }
            let answer = list(record(request))
            let body = Array(answer.body.utf8)
            return HTTPResponse(status: answer.status, headers: [], body: body, bytesOnWire: body.count)
        }

        func stream(
            _ request: HTTPRequest,
            onChunk: @escaping HTTPChunkHandler
        ) async throws(HTTPClientError) -> HTTPResponse {
            let answer = watch(record(request)["resourceVersion"] ?? "")
            let head = HTTPResponseHead(status: 200, headers: [("Content-Type", "application/json")])
            let body = Array(answer.body.utf8)
            if !body.isEmpty { _ = body.withUnsafeBytes { onChunk(head, $0) } }
            if let failure = answer.failure { throw failure }
            return HTTPResponse(status: 200, headers: head.headers, body: [], bytesOnWire: body.count)
        }

        private func record(_ request: HTTPRequest) -> [String: String] {
            let items = URLComponents(string: request.url)?.queryItems ?? []
            let line = items.filter { $0.name != "timeoutSeconds" }.map { "\($0.name)=\($0.value ?? "")" }
            logged.withLock { $0.append(line.joined(separator: "&")) }
            return Dictionary(items.map { ($0.name, $0.value ?? "") }) { $1 }
        }
    }

    static let collection = "/api/v1/namespaces/shop/events"
    static let list = "limit=500"
    static func watch(from resourceVersion: Int) -> String {
        "allowWatchBookmarks=true&resourceVersion=\(resourceVersion)&watch=true"
    }

    /// Waits for the reflector's first backoff after the list and its one watch, lets it pass (1.6 s ±
    /// 20 %), and waits for the reflector to sleep again.
    static func passFirstBackoff(_ server: ScriptedAPIServer, _ clock: ManualClock) async {
        await clock.waitForSleepers(1)
        #expect(server.requests == [list, watch(from: 2)])
        clock.advance(by: .seconds(2))
        await clock.waitForSleepers(1)
    }

    /// A reflector over `server` on a manual clock, running until the task is cancelled.
    static func start(
        _ server: ScriptedAPIServer
    ) -> (clock: ManualClock, delivered: ReflectorTests.Delivered, running: Task<Void, Never>) {
        let clock = ManualClock()
        let delivered = ReflectorTests.Delivered()
        let reflector = Reflector(client: server.client, collection: collection, clock: clock)
        return (clock, delivered, Task { await reflector.run { delivered.record($0) } })
    }

    static func frame(_ type: String, _ name: String, resourceVersion: Int) -> String {
        #"{"type":"\#(type)","object":{"apiVersion":"v1","kind":"Event","metadata":{"name":"\#(name)","namespace":"shop","resourceVersion":"\#(resourceVersion)"}}}"#
            + "\n"
    }

    /// client-go records the resourceVersion of every frame: a watch that fails after frames (a reset
    /// connection, a client timeout) is followed by one from the last of them, and nothing comes twice.
    @Test func aWatchThatFailsAfterAFrameGoesOnFromThatFrame() async {
        // History holds one event, at 3: a watch gets what is newer than it asked for, then a reset.
        let server = ScriptedAPIServer { resourceVersion in
            (
                body: resourceVersion == "2" ? Self.frame("ADDED", "web-1.3", resourceVersion: 3) : "",
                failure: HTTPClientError(.transfer, "Recv failure: Connection reset by peer")
            )
        }
        let (clock, delivered, running) = Self.start(server)
        defer { running.cancel() }

        // The reset is a failure: the reflector backs off (1.6 s ± 20 %), then watches again.
        await clock.waitForSleepers(1)
        #expect(delivered.all == ["listed web-1.1", "added web-1.3"])
        clock.advance(by: .seconds(2))
        await clock.waitForSleepers(1)
        #expect(server.requests == [Self.list, Self.watch(from: 2), Self.watch(from: 3)])
        #expect(delivered.all == ["listed web-1.1", "added web-1.3"])
    }

    /// A watch turned away at once is a failure, as in client-go, backed off longer each time; and a
    /// failure resumes the watch, it does not relist.
    @Test(arguments: [
        // An empty 200: closed at once with nothing in it (client-go's "very short watch").
        "",
        // A Status other than 410: the server failing, not its history gone.
        #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"etcdserver: leader changed","reason":"InternalError","code":500}}"#
            + "\n",
    ])
    func aWatchTurnedAwayBacksOffLongerEachTime(body: String) async {
        let server = ScriptedAPIServer { _ in (body: body, failure: nil) }
        let (clock, delivered, running) = Self.start(server)
        defer { running.cancel() }

        await Self.passFirstBackoff(server, clock)
        #expect(server.requests.count == 3)
        // The second is 3.2 s ± 20 %: two seconds more do not end it, four do.
        clock.advance(by: .seconds(2))
        #expect(clock.sleepers == 1)
        #expect(server.requests.count == 3)
        clock.advance(by: .seconds(2))
        await clock.waitForSleepers(1)
        #expect(server.requests == [Self.list, Self.watch(from: 2), Self.watch(from: 2), Self.watch(from: 2)])
        #expect(delivered.all == ["listed web-1.1"])
    }

    /// A 410 with no frame since the list is the list's own resourceVersion refused: relisting at once
    /// would spin, so the relist waits for the backoff.
    @Test func a410RightAfterAListBacksOffBeforeListingAgain() async {
        let expired =
            #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version","reason":"Expired","code":410}}"#
            + "\n"
        let server = ScriptedAPIServer { _ in (body: expired, failure: nil) }
        let (clock, delivered, running) = Self.start(server)
        defer { running.cancel() }

        await Self.passFirstBackoff(server, clock)
        #expect(server.requests == [Self.list, Self.watch(from: 2), Self.list, Self.watch(from: 2)])
        #expect(delivered.all == ["listed web-1.1", "listed web-1.1"])
    }

    /// A frame that is no watch event was skipped, and the next frame's resourceVersion moved past the
    /// event it held: lost for good (a DELETED lost kept a pod that is gone). Now the watch ends there
    /// and, after the backoff, the collection is listed again; nothing after the broken frame is taken.
    @Test(arguments: ["{garbage\n", #"{"type":"SOMETHING","object":{}}"# + "\n"])
    func aBrokenFrameEndsTheWatchAndRelists(broken: String) async {
        let server = ScriptedAPIServer { _ in
            (body: broken + Self.frame("ADDED", "web-1.4", resourceVersion: 4), failure: nil)
        }
        let (clock, delivered, running) = Self.start(server)
        defer { running.cancel() }

        await Self.passFirstBackoff(server, clock)
        #expect(server.requests == [Self.list, Self.watch(from: 2), Self.list, Self.watch(from: 2)])
        #expect(delivered.all == ["listed web-1.1", "listed web-1.1"])
    }

    /// A 410 after frames relisted at once: after an API server's restart every kind of every replica
    /// listed from etcd together. It waits for the backoff first, as client-go's BackoffUntil does.
    @Test func a410AfterFramesRelistsAfterTheBackoff() async {
        let expired =
            #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version","reason":"Expired","code":410}}"#
            + "\n"
        let server = ScriptedAPIServer { resourceVersion in
            (body: Self.frame("ADDED", "web-1.3", resourceVersion: 3) + expired, failure: nil)
        }
        let (clock, delivered, running) = Self.start(server)
        defer { running.cancel() }

        await Self.passFirstBackoff(server, clock)
        #expect(server.requests == [Self.list, Self.watch(from: 2), Self.list, Self.watch(from: 2)])
        #expect(delivered.all == ["listed web-1.1", "added web-1.3", "listed web-1.1", "added web-1.3"])
    }

    /// A continue token that expired mid-list (410) started the paged list over after a backoff: a list
    /// longer than the server's compaction interval expired every time and the model never filled. The
    /// whole list is asked for again in one unpaged answer, as client-go's pager does.
    @Test func anExpiredContinueTokenListsTheWholeCollectionUnpaged() async throws {
        let server = ScriptedAPIServer(
            list: { query in
                if query["continue"] == "page-2" {
                    return (410, #"{"kind":"Status","status":"Failure","reason":"Expired","code":410}"#)
                }
                if query["limit"] != nil {
                    return (
                        200,
                        #"{"kind":"List","metadata":{"resourceVersion":"2","continue":"page-2"},"items":[{"metadata":{"name":"web-1.1"}}]}"#
                    )
                }
                return (
                    200,
                    #"{"kind":"List","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"name":"web-1.1"}},{"metadata":{"name":"web-1.2"}}]}"#
                )
            },
            watch: { _ in (body: "", failure: nil) }
        )
        let list = try await server.client.list(Self.collection, query: [.init("limit", "500")])
        #expect(server.requests == ["limit=500", "continue=page-2&limit=500", ""])
        // The whole collection in one answer takes longer and weighs more than a page.
        #expect(server.limits == ["30 s, 64 MiB", "30 s, 64 MiB", "60 s, 1024 MiB"])
        #expect(list.items.count == 2 && list.resourceVersion == "7")
    }

    /// A watch that holds its connection open after a frame that refuses it (a quiet collection: the
    /// next bytes are a bookmark a minute later): the reflector saw its stop only at the next chunk, and
    /// the relist waited that long. Now the transfer is cancelled at once.
    @Test func aRefusedWatchIsCancelledWithoutWaitingForTheNextChunk() async {
        final class QuietAfterAFrame: HTTPTransport {
            let cancelled = Locked(false)
            func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
                let body = Array(ScriptedAPIServer.onePage.utf8)
                return HTTPResponse(status: 200, headers: [], body: body, bytesOnWire: body.count)
            }
            func stream(
                _ request: HTTPRequest,
                onChunk: @escaping HTTPChunkHandler
            ) async throws(HTTPClientError) -> HTTPResponse {
                let head = HTTPResponseHead(status: 200, headers: [("Content-Type", "application/json")])
                _ = Array("{garbage\n".utf8).withUnsafeBytes { onChunk(head, $0) }
                // Nothing more for a minute, unless the transfer is cancelled.
                do { try await Task.sleep(for: .seconds(60)) } catch { cancelled.withLock { $0 = true } }
                return HTTPResponse(status: 200, headers: head.headers, body: [], bytesOnWire: 0)
            }
        }
        let transport = QuietAfterAFrame()
        let client = KubeClient(
            connection: KubeConnection(server: "https://apiserver.invalid", namespace: "shop"),
            transport: transport,
            access: .read
        )
        let clock = ManualClock()
        let reflector = Reflector(client: client, collection: Self.collection, clock: clock)
        let running = Task { await reflector.run { _ in } }
        defer { running.cancel() }
        await clock.waitForSleepers(1)
        #expect(transport.cancelled.withLock { $0 })
    }
}
