import Testing

@testable import VigilEngine

/// When a crash loop began, as far as a pod's restart count tells: no later than the kubelet's back-off
/// for its restarts after the first ago (10 s, doubling, at most 5 minutes), nor than its last
/// termination, and no earlier than the pod. Its last termination moves with every crash, and a loop
/// that began with its pod an hour ago read as trouble that began just now.
struct CrashLoopStartTests {
    @Test func fiveRestartsTookAtLeastTheBackOffOfTheFourAfterTheFirst() {
        // 10 + 20 + 40 + 80 s.
        #expect(PodAnalyzer.crashLoopStart(created: 0, terminated: 9990, restarts: 5, now: 10_000) == 9850.0)
    }

    @Test func laterRestartsWaitFiveMinutesEach() {
        // 10 + 20 + 40 + 80 + 160 + 9 × 300 s: an hour of crashing began within minutes of the pod.
        #expect(PodAnalyzer.crashLoopStart(created: 0, terminated: 3650, restarts: 15, now: 3660) == 650.0)
    }

    @Test func noEarlierThanThePodNorLaterThanTheLastTermination() {
        #expect(PodAnalyzer.crashLoopStart(created: 5000, terminated: 5900, restarts: 100, now: 6000) == 5000)
        #expect(PodAnalyzer.crashLoopStart(created: 0, terminated: 5900, restarts: 1, now: 6000) == 5900)
        #expect(PodAnalyzer.crashLoopStart(created: nil, terminated: 5900, restarts: 3, now: 6000) == 5900)
    }
}
