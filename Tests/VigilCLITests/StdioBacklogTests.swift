import Foundation
import Testing
import VigilTestKit

@testable import VigilCLI

/// The bound between `vigil mcp`'s reader thread and the SDK's server: what waits is handed on in order,
/// a full backlog holds the reader (never the server), and the end of input waits for the answers owed.
struct StdioBacklogTests {
    static func line(_ text: String) -> Data { Data(text.utf8) }

    /// A reader thread putting `lines`, signalling `done` after each.
    static func reader(_ backlog: StdioBacklog, _ lines: [String], done: DispatchSemaphore) {
        Thread.detachNewThread {
            for text in lines {
                backlog.put(line(text))
                done.signal()
            }
        }
    }

    /// Whether the reader got on within 30 s (a lost wake-up fails the test instead of hanging it).
    static func wentOn(_ done: DispatchSemaphore) async -> Bool {
        await offThePool { done.wait(timeout: .now() + 30) == .success }
    }

    /// Whether the reader is still held 0.3 s on (a reader that is not held is seen at once).
    static func isHeld(_ done: DispatchSemaphore) async -> Bool {
        await offThePool { done.wait(timeout: .now() + 0.3) == .timedOut }
    }

    @Test func linesAreTakenInOrderAndTheEndComesAfterThem() async {
        let backlog = StdioBacklog()
        for text in ["a", "b", "c"] { backlog.put(Self.line(text)) }
        backlog.end()
        var taken: [String] = []
        while let line = await backlog.take() { taken.append(String(decoding: line, as: UTF8.self)) }
        #expect(taken == ["a", "b", "c"])
    }

    /// A server already waiting gets the next line handed straight to it, and the end when it comes.
    @Test func aWaitingServerIsHandedTheLineAndTheEnd() async {
        let backlog = StdioBacklog()
        let first = Task { await backlog.take() }
        let done = DispatchSemaphore(value: 0)
        // Put only once the server waits: otherwise the line would wait in the list, the path above.
        while !backlog.isTaking { await Task.yield() }
        Self.reader(backlog, ["a"], done: done)
        #expect(await first.value == Self.line("a"))
        #expect(await Self.wentOn(done))
        let second = Task { await backlog.take() }
        while !backlog.isTaking { await Task.yield() }
        backlog.end()
        #expect(await second.value == nil)
    }

    /// Two lines waiting fill a backlog of two: the third waits until one is taken.
    @Test func aFullBacklogHoldsTheReaderUntilALineIsTaken() async {
        let backlog = StdioBacklog(maxWaiting: 2)
        let done = DispatchSemaphore(value: 0)
        Self.reader(backlog, ["a", "b", "c"], done: done)
        #expect(await Self.wentOn(done))
        #expect(await Self.wentOn(done))
        #expect(await Self.isHeld(done), "a third line went in while two waited")
        #expect(await backlog.take() == Self.line("a"))
        #expect(await Self.wentOn(done))
        #expect(await backlog.take() == Self.line("b"))
        #expect(await backlog.take() == Self.line("c"))
    }

    /// An answer not yet written holds the reader (the server's tasks never wait); once it is written the
    /// reader goes on. A refusal of the reader's own counts the same way.
    @Test func unwrittenAnswersHoldTheReader() async {
        let backlog = StdioBacklog(maxUnwritten: 1)
        backlog.answerComing()
        let done = DispatchSemaphore(value: 0)
        Self.reader(backlog, ["a"], done: done)
        #expect(await Self.isHeld(done))
        backlog.written()
        #expect(await Self.wentOn(done))
        #expect(await backlog.take() == Self.line("a"))
        #expect(backlog.reserveAnswer())
        Self.reader(backlog, ["b"], done: done)
        #expect(await Self.isHeld(done))
        backlog.written()
        #expect(await Self.wentOn(done))
    }

    /// Closed, the backlog lets a waiting reader go (its line dropped) and answers a waiting taker with
    /// the end; so does cancelling the taker, the server stopping.
    @Test func closingOrCancellingLetsEveryoneGo() async {
        let backlog = StdioBacklog(maxWaiting: 1)
        backlog.put(Self.line("a"))
        let done = DispatchSemaphore(value: 0)
        Self.reader(backlog, ["b"], done: done)
        #expect(await Self.isHeld(done))
        backlog.close()
        #expect(await Self.wentOn(done))
        #expect(await backlog.take() == nil)
        #expect(!backlog.reserveAnswer())

        let open = StdioBacklog()
        let taker = Task { await open.take() }
        taker.cancel()
        #expect(await taker.value == nil)
    }

    /// Sixteen requests owed hold the reader's next request, not a line that makes none (a cancellation
    /// goes in, and settles what it cancels); an answer written lets the request in. Patience longer than
    /// any test: CI's test process has had its two pool threads busy for over two minutes (ci of stop 40:
    /// 127 s), and the default patience of 120 s then let the held request in between two looks.
    @Test func requestsOwedHoldTheReaderUntilOneIsAnsweredOrCancelled() async {
        let backlog = StdioBacklog(maxOwed: 2, patience: 24 * 3600)
        backlog.put(Self.line("1"), owing: ["n1", "s1"])
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            backlog.put(Self.line("3"), owing: ["n3"])
            done.signal()
        }
        #expect(await Self.isHeld(done))
        backlog.answered(["n7"])
        #expect(await Self.isHeld(done), "an answer to no request owed let one in")
        backlog.answered(["n1"])
        #expect(await Self.wentOn(done))
        Thread.detachNewThread {
            backlog.put(Self.line("4"), owing: ["n4"])
            done.signal()
        }
        #expect(await Self.isHeld(done))
        backlog.put(Self.line("cancel"), cancelling: ["s1"])
        #expect(await Self.wentOn(done))
    }

    /// A request owed for ever (an id the SDK answers under another) slows the session, not stops it: the
    /// next request goes in once it has waited `patience` for room.
    @Test func aRequestNeverAnsweredHoldsTheNextOnlyForAWhile() async {
        let backlog = StdioBacklog(maxOwed: 1, patience: 0.5)
        backlog.put(Self.line("1"), owing: ["n1"])
        let done = DispatchSemaphore(value: 0)
        let started = Date()
        Thread.detachNewThread {
            backlog.put(Self.line("2"), owing: ["n2"])
            done.signal()
        }
        #expect(await Self.wentOn(done))
        #expect(Date().timeIntervalSince(started) >= 0.5)
    }

    /// Settled once every request read is answered (or cancelled) and every answer written; a request
    /// with an id in use is owed twice.
    @Test func theRequestsOwedAreSettledByTheirAnswersOrTheirCancellation() {
        let backlog = StdioBacklog()
        #expect(backlog.isSettled)
        backlog.put(Self.line("a"), owing: ["n1", "s1", "n1"])
        backlog.answerComing()
        backlog.answered(["n1", "n7"])
        backlog.written()
        #expect(!backlog.isSettled, "one of the two requests with id 1 and the one with \"1\" are owed")
        backlog.answered(["n1"])
        #expect(!backlog.isSettled)
        backlog.put(Self.line("b"), cancelling: ["s1"])
        #expect(backlog.isSettled)
        // An answer on its way is not yet settled.
        backlog.answerComing()
        #expect(!backlog.isSettled)
        backlog.written()
        #expect(backlog.isSettled)
    }
}
