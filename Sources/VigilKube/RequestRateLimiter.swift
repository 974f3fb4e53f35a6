import Foundation

/// client-go's token bucket: `qps` requests per second on average, bursts of up to `burst`; a request
/// beyond them waits its turn rather than failing, so Vigil never floods the API server (client-go's
/// defaults: 5 per second, bursts of 10).
actor RequestRateLimiter {
    let qps: Double
    let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant?

    init(qps: Double = 5, burst: Int = 10) {
        self.qps = qps
        self.burst = Double(burst)
        tokens = Double(burst)
    }

    /// Takes a token at `now` and says how long to wait for it (zero when one was there).
    func reserve(at now: ContinuousClock.Instant) -> Duration {
        if let last {
            let elapsed = now - last
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            tokens = min(burst, tokens + seconds * qps)
        }
        last = now
        tokens -= 1
        return tokens >= 0 ? .zero : .seconds(-tokens / qps)
    }

    /// Waits until this request may go.
    func acquire() async {
        let wait = reserve(at: .now)
        if wait > .zero { try? await Task.sleep(for: wait) }
    }
}
