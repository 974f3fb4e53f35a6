import Testing

@testable import VigilEngine

/// When a crash loop began, as far as a pod's restart count tells: no later than the kubelet's back-off
/// for that many restarts ago (10 s, doubling, at most 5 minutes), and no earlier than the pod. Its last
/// termination moves with every crash, and a loop that began with its pod an hour ago read as trouble
/// that began just now.
struct CrashLoopStartTests {
    @Test func fiveRestartsTookAtLeastTheirBackOff() {
        // 10 + 20 + 40 + 80 + 160 s.
        #expect(PodAnalyzer.crashLoopStart(created: 0, restarts: 5, now: 10_000) == 9690.0)
    }

    @Test func laterRestartsWaitFiveMinutesEach() {
        // 10 + 20 + 40 + 80 + 160 + 10 × 300 s: an hour of crashing began within minutes of the pod.
        #expect(PodAnalyzer.crashLoopStart(created: 0, restarts: 15, now: 3660) == 350.0)
    }

    @Test func noEarlierThanThePod() {
        #expect(PodAnalyzer.crashLoopStart(created: 5000, restarts: 100, now: 6000) == 5000)
        #expect(PodAnalyzer.crashLoopStart(created: nil, restarts: 3, now: 6000) == nil)
    }
}
