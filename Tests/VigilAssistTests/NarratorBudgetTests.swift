import Foundation
import Testing
import VigilAssist
import VigilHTTP
import VigilTestKit

/// The narrator's bounds, on an injected clock: a request that never answers ends at `timeout`, a run
/// stops asking once its time or tokens are spent, and what a model writes reaches the terminal without
/// its escape sequences.
@Suite struct NarratorBudgetTests {
    static let brief = NarrationBrief(
        kind: "deployment",
        namespace: "shop",
        name: "checkout",
        cause: "bad-rollout",
        severity: "critical",
        summary: "A new revision crash-loops",
        explanation: "deployment/checkout broke with its latest rollout.",
        evidence: [],
        proposals: [NarrationBrief.Action(action: "undo", target: "deployment/checkout", namespace: "shop")]
    )

    static func narrator(
        _ server: FakeChatServer,
        _ mode: String,
        _ configure: (inout NarratorConfiguration) -> Void = { _ in }
    ) -> ChatNarrator {
        var configuration = NarratorConfiguration(url: server.url(mode), model: "fake-model")
        configure(&configuration)
        return ChatNarrator(configuration: configuration, transport: UntimedCurl())
    }

    /// Vigil's client with libcurl's own timeout out of the way: the deadlines these tests check are the
    /// injected clock's, and curl's (the configured timeout + 1 s, on the wall) could fire first while a
    /// test waits its turn on a busy pool (CI's parallel run has kept it busy for over a minute).
    struct UntimedCurl: HTTPTransport {
        let client = CurlHTTPClient()

        func execute(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
            try await client.execute(Self.untimed(request))
        }

        func stream(
            _ request: HTTPRequest,
            onChunk: @escaping HTTPChunkHandler
        ) async throws(HTTPClientError)
            -> HTTPResponse
        {
            try await client.stream(Self.untimed(request), onChunk: onChunk)
        }

        static func untimed(_ request: HTTPRequest) -> HTTPRequest {
            var request = request
            request.timeout = 86_400
            return request
        }
    }

    @Test func aModelThatNeverAnswersEndsAtTheTimeout() async throws {
        let server = try FakeChatServer()
        defer { server.stop() }
        let clock = ManualClock()
        let narrator = Self.narrator(server, "hang") { $0.timeout = 30 }
        let told = Task { await narrator.narrate([Self.brief], clock: clock) }
        await clock.waitForSleepers(1)
        try await server.waitForRequests(1)
        clock.advance(by: .seconds(29))
        #expect(clock.sleepers == 1, "still waiting before the timeout")
        clock.advance(by: .seconds(1))
        #expect(await told.value == [.failed("the narrator did not answer within 30s")])
    }

    @Test func aRunStopsAskingOnceItsTimeIsSpent() async throws {
        let server = try FakeChatServer()
        defer { server.stop() }
        let clock = ManualClock()
        let narrator = Self.narrator(server, "hang") {
            $0.timeout = 30
            $0.runTimeout = 45
        }
        let told = Task { await narrator.narrate([Self.brief, Self.brief, Self.brief], clock: clock) }
        await clock.waitForSleepers(1)
        try await server.waitForRequests(1)
        clock.advance(by: .seconds(30))
        // The second request gets what is left of the run: 15 s.
        await clock.waitForSleepers(1)
        try await server.waitForRequests(2)
        clock.advance(by: .seconds(15))
        let narrations = await told.value
        #expect(
            narrations == [
                .failed("the narrator did not answer within 30s"), .failed("the narrator did not answer within 15s"),
                .failed(
                    "the run's narrator budget is spent (45s, 4000 tokens: narrator.run_timeout, narrator.run_tokens)"
                ),
            ]
        )
        #expect(try await server.recorded().count == 2)
    }

    @Test func aRunStopsAskingOnceItsTokensAreSpent() async throws {
        let server = try FakeChatServer()
        defer { server.stop() }
        // The fake server does not count usage: each request costs the max_tokens it asked for.
        let narrator = Self.narrator(server, "echo") {
            $0.maxTokens = 200
            $0.runTokens = 500
        }
        let narrations = await narrator.narrate([Self.brief, Self.brief, Self.brief, Self.brief], clock: ManualClock())
        let recorded = try await server.recorded()
        #expect(recorded.count == 3)
        // The third is given what is left: 100 tokens.
        let asked = recorded.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any])?["max_tokens"] as? Int
        }
        #expect(asked == [200, 200, 100])
        #expect(narrations.prefix(3).allSatisfy { if case .text = $0 { true } else { false } })
        #expect(
            narrations.last
                == .failed(
                    "the run's narrator budget is spent (120s, 500 tokens: narrator.run_timeout, narrator.run_tokens)"
                )
        )
    }

    /// The server's `usage.total_tokens` was charged as given: a count below one gave the budget back (the
    /// run never stopped), and Int.min trapped on the subtraction. Such a count is no count: the request
    /// costs the max_tokens it asked for, here the whole run's.
    @Test(arguments: [-5000, 0, Int.min])
    func aCountBelowOneStillSpendsTheRun(reported: Int) async throws {
        let server = try FakeChatServer()
        defer { server.stop() }
        let narrator = Self.narrator(server, "usage/\(reported)") {
            $0.maxTokens = 400
            $0.runTokens = 400
        }
        let narrations = await narrator.narrate([Self.brief, Self.brief], clock: ManualClock())
        #expect(try await server.recorded().count == 1)
        #expect(narrations.count == 2)
        #expect(narrations.prefix(1).allSatisfy { if case .text = $0 { true } else { false } }, "\(narrations)")
        #expect(
            narrations.last
                == .failed(
                    "the run's narrator budget is spent (120s, 400 tokens: narrator.run_timeout, narrator.run_tokens)"
                )
        )
    }

    /// A placeholder stands for a longer name: an answer cut to the limit before unmasking outgrows it
    /// after, so it is cut again.
    @Test func anAnswerIsCutToItsLimitOnceUnmasked() async throws {
        let server = try FakeChatServer()
        defer { server.stop() }
        let narrations = await Self.narrator(server, "repeat").narrate([Self.brief], clock: ManualClock())
        guard case .text(let text) = narrations.first else {
            Issue.record("no text: \(narrations)")
            return
        }
        #expect(text.hasPrefix("checkout checkout"))
        #expect(text.count <= ChatNarrator.maxAnswerCharacters)
        #expect(text.count > ChatNarrator.maxAnswerCharacters - 10)
    }

    @Test func escapeSequencesInTheAnswerNeverReachTheTerminal() async throws {
        let server = try FakeChatServer()
        defer { server.stop() }
        let narrations = await Self.narrator(server, "escape").narrate([Self.brief], clock: ManualClock())
        #expect(narrations == [.text("Restart checkout now.\nNext: check logs.")])
    }
}
