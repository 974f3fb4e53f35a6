import Testing

@testable import VigilKube

/// The token bucket, on a clock the test moves.
struct RequestRateLimiterTests {
    @Test func aBurstGoesAtOnceThenRequestsWaitTheirTurn() async {
        let limiter = RequestRateLimiter(qps: 5, burst: 3)
        let start = ContinuousClock.now
        var waits: [Duration] = []
        for _ in 0..<5 { waits.append(await limiter.reserve(at: start)) }
        #expect(waits == [.zero, .zero, .zero, .milliseconds(200), .milliseconds(400)])
        // A second later five tokens have come back — but the bucket holds three, two of them owed.
        #expect(await limiter.reserve(at: start + .seconds(1)) == .zero)
        #expect(await limiter.reserve(at: start + .seconds(1)) == .zero)
        #expect(await limiter.reserve(at: start + .seconds(1)) == .zero)
        #expect(await limiter.reserve(at: start + .seconds(1)) == .milliseconds(200))
        // Long idle: back to a full burst, no more.
        let later = start + .seconds(60)
        #expect(await limiter.reserve(at: later) == .zero)
        #expect(await limiter.reserve(at: later) == .zero)
        #expect(await limiter.reserve(at: later) == .zero)
        #expect(await limiter.reserve(at: later) == .milliseconds(200))
    }
}
