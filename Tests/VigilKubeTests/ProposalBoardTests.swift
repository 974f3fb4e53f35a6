import Foundation
import Testing
import VigilHTTP
import VigilTestKit

@testable import VigilKube

/// The ConfigMap replicas hand proposals over on, against the fake API server: a key is added only if
/// absent, the board is bounded, and every write is conditioned on the version read.
struct ProposalBoardTests {
    let server: FakeAPIServer
    let client: KubeClient
    static let path = "/api/v1/namespaces/vigil/configmaps/vigil-remediation-proposals"

    init() throws {
        server = try FakeAPIServer()
        client = KubeClient(
            connection: KubeConnection(server: server.url, namespace: "vigil", credential: .token("t")),
            transport: CurlHTTPClient(),
            access: .write,
            qps: 1000,
            burst: 1000
        )
    }

    func board(entryLimit: Int = 64, valueLimit: Int = 16_384) -> ProposalBoard {
        ProposalBoard(
            namespace: "vigil",
            name: "vigil-remediation-proposals",
            client: client,
            entryLimit: entryLimit,
            valueLimit: valueLimit
        )
    }

    @Test func aKeyIsPinnedOnceWhoeverPinsItFirst() async throws {
        let (a, b) = (board(), board())
        #expect(await a.entries() == [:], "no board yet: nothing handed over")
        #expect(await a.pin("p1", "from a") == .pinned)
        #expect(await b.pin("p1", "from b") == .present)
        #expect(await b.pin("p2", "from b") == .pinned)
        #expect(await a.entries() == ["p1": "from a", "p2": "from b"])
        // Created once with POST, then replaced with PUT on the version read.
        let writes = try await server.log().filter { $0.method != "GET" }
        #expect(writes.map(\.method) == ["POST", "PUT"])
        let put = try #require(writes.last?.body)
        #expect(put.contains(#""resourceVersion":"#), "the update carries the version it read: \(put)")
    }

    @Test func theBoardIsBoundedInEntriesAndInBytes() async throws {
        let board = board(entryLimit: 2, valueLimit: 8)
        #expect(await board.pin("p1", "12345678") == .pinned)
        #expect(await board.pin("p2", "123456789") == .tooLarge)
        #expect(await board.pin("p2", "x") == .pinned)
        #expect(await board.pin("p3", "x") == .full)
        #expect(await board.entries()?.keys.sorted() == ["p1", "p2"])
    }

    /// At the default limits the board would pass the ConfigMap's 1 MiB (64 entries of 16 KiB), which the
    /// API server refuses with a 422: the pin that would take it past is refused as the board being full.
    @Test func theBoardStaysWithinAConfigMapsMegabyte() async throws {
        let board = board()
        let value = String(repeating: "x", count: board.valueLimit)
        var outcomes: [ProposalBoard.Pinned] = []
        for index in 0..<64 { outcomes.append(await board.pin("p\(index)", value)) }
        #expect(outcomes.prefix(63).allSatisfy { $0 == .pinned })
        #expect(outcomes.last == .full)
        let held = await board.entries() ?? [:]
        #expect(held.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count } <= ProposalBoard.dataLimit)
        // A revision that would grow the full board past it leaves that entry; the others are revised.
        let revised = await board.revise(["p0", "p1"]) { key, old in key == "p0" ? old + "y" : "short" }
        #expect(revised == ["p0", "p1"])
        let after = await board.entries() ?? [:]
        #expect(after["p0"] == value && after["p1"] == "short")
    }

    @Test func unpinningRemovesOnlyTheKeysNamed() async throws {
        let board = board()
        _ = await board.pin("p1", "a")
        _ = await board.pin("p2", "b")
        #expect(await board.unpin(["p1", "absent"]))
        #expect(await board.entries() == ["p2": "b"])
        let puts = try await server.log().filter { $0.method == "PUT" }.count
        #expect(await board.unpin(["absent"]))
        #expect(try await server.log().filter { $0.method == "PUT" }.count == puts, "nothing to remove: no write")
    }

    @Test func aConcurrentWriteMakesThePinReadAgainAndKeepsBoth() async throws {
        let board = board()
        #expect(await board.pin("p1", "a") == .pinned)
        // Another writer changes the board between this read and this write: 409, read again, write.
        try await server.control("/__race")
        #expect(await board.pin("p2", "b") == .pinned)
        #expect(await board.entries() == ["p1": "a", "p2": "b"])
        let puts = try await server.log().filter { $0.method == "PUT" }.count
        #expect(puts == 2, "the first PUT lost the race, the second landed")
    }

    @Test func anUnreachableBoardSaysSo() async throws {
        let dead = ProposalBoard(
            namespace: "vigil",
            name: "b",
            client: KubeClient(
                connection: KubeConnection(server: "http://127.0.0.1:1", namespace: "vigil", credential: .token("t")),
                transport: CurlHTTPClient(),
                access: .write
            )
        )
        #expect(await dead.entries() == nil)
        guard case .unavailable = await dead.pin("p", "v") else {
            Issue.record("an unreachable board is not reported")
            return
        }
    }

    @Test func aRevisionRewritesOrRemovesEntriesInOneWriteAndNeverAddsOrOverflows() async throws {
        let board = board(valueLimit: 8)
        #expect(await board.pin("p1", "one") == .pinned)
        #expect(await board.pin("p2", "two") == .pinned)
        #expect(await board.pin("p3", "three") == .pinned)
        let before = try await server.log().filter { $0.method == "PUT" }.count
        // p1 rewritten, p2 removed, p3 left as it was (its new value is too long), p4 not added.
        let present = await board.revise(["p1", "p2", "p3", "p4"]) { key, value in
            switch key {
            case "p1": value + "!"
            case "p2": nil
            default: value + " and more"
            }
        }
        #expect(present == ["p1", "p2", "p3"])
        #expect(await board.entries() == ["p1": "one!", "p3": "three"])
        #expect(try await server.log().filter { $0.method == "PUT" }.count == before + 1)
        // Nothing to change: nothing written.
        #expect(await board.revise(["p3"]) { _, value in value } == ["p3"])
        #expect(try await server.log().filter { $0.method == "PUT" }.count == before + 1)
    }
}
