import Testing
import VigilYAML

/// Durations in log lines read as Prometheus's do (Go's `time.Duration.String`), each row as Go prints it.
struct DurationLogTextTests {
    @Test(arguments: [
        (Duration.zero, "0s"),
        (.nanoseconds(1), "1ns"),
        (.nanoseconds(999), "999ns"),
        (.nanoseconds(412_500), "412.5µs"),
        (.microseconds(2_412), "2.412ms"),
        (.milliseconds(1), "1ms"),
        (.milliseconds(1_250), "1.25s"),
        (.seconds(1), "1s"),
        (.seconds(90), "1m30s"),
        (.seconds(60), "1m0s"),
        (.seconds(7_205), "2h0m5s"),
        (.seconds(7_200), "2h0m0s"),
        (.milliseconds(-1_500), "-1.5s"),
        (.seconds(30) + .nanoseconds(1), "30.000000001s"),
    ])
    func readsAsPrometheusLogsIt(duration: Duration, text: String) {
        #expect(duration.logText == text)
    }

    /// Past Int64 nanoseconds (292 years) it saturates rather than trapping.
    @Test func aHugeDurationDoesNotTrap() {
        #expect(Duration.seconds(Int64.max).logText == "2562047h47m16.854775807s")
        #expect(Duration.seconds(Int64.min).logText == "-2562047h47m16.854775808s")
        #expect((Duration.seconds(9_223_372_036) + .nanoseconds(999_999_999)).logText == "2562047h47m16.854775807s")
    }
}
