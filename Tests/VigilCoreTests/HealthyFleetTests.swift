import Testing
import VigilTestKit

@testable import VigilCore

/// The default detector on healthy production-shaped data: what it raises when nothing is wrong.
struct HealthyFleetTests {
    /// A detector's settings count 5-minute samples; the daemon scrapes every 15 s. Counted per sample,
    /// a seasonal bin remembered yesterday's hour for its last 2.5 minutes and the record stage forgot a
    /// peak within 8 hours, and the same healthy fleet raised 37 times the false alarms at 15 s that it
    /// raised at 5 minutes (757 against 20 per 1,000 series per day). Paced by time, the scrape rate
    /// barely matters; the quiet kinds stay silent at any rate.
    @Test func falseAlarmsDoNotMultiplyWithTheScrapeRate() async throws {
        try await computeOffThePool {
            let slow = HealthyFleet(seriesCount: 200, days: 3, step: 300).falseAlarms()
            let fast = HealthyFleet(seriesCount: 200, days: 3, step: 15).falseAlarms()
            #expect(fast.perThousandSeriesPerDay <= 5 * max(slow.perThousandSeriesPerDay, 1), "\(fast) vs \(slow)")
            #expect(fast.byKind["node_memory", default: 0] == 0 && fast.byKind["kube_replicas", default: 0] == 0)
            // The same fleet with settings counted per 15-s sample, as before: the check above tells them apart.
            var perSample = EnsembleParameters()
            perSample.referenceInterval = 15
            let unpaced = HealthyFleet(seriesCount: 200, days: 3, step: 15).falseAlarms(parameters: perSample)
            #expect(unpaced.perThousandSeriesPerDay > 5 * max(slow.perThousandSeriesPerDay, 1), "\(unpaced)")
        }
    }

    /// Issue 15's bar at the daemon's 15-s scrape: at most one anomaly per 1,000 series per simulated day,
    /// cold start included (this fleet: 200 series-days, so none). The record stage alarms at 1.2 times
    /// a floor of 4 spreads; counted per sample, a 15-s scrape gave noise 20 chances a day to reach it for
    /// each one at 5 minutes, and log-normal latency's upper tail reached it at 4σ of its log. The floor
    /// is now paced by time (4.69 spreads at 15 s, `EnsembleDetector.pacedFloor`).
    @Test func aHealthyFleetAtTheDaemonsScrapeRaisesAtMostOneAnomalyPerThousandSeriesADay() async throws {
        try await computeOffThePool {
            let fleet = HealthyFleet(seriesCount: 100, days: 2, step: 15)
            let outcome = fleet.falseAlarms()
            #expect(outcome.perThousandSeriesPerDay <= 1, "\(outcome.anomalies) anomalies: \(outcome.byKind)")
            // The floor counted per 15-s sample, as before: a floor of √(4² − 2 ln 20) ≈ 3.1636 spreads is 4 at
            // 15 s once paced. The same fleet raises two, so the check above tells them apart.
            var perSample = EnsembleParameters()
            perSample.peakFloor = 3.163_6
            #expect((EnsembleDetector.pacedFloor(perSample.peakFloor, 15 / 300) - 4).magnitude < 1e-4)
            // At 5 minutes or slower (NAB's files) the floor is the setting itself.
            #expect(EnsembleDetector.pacedFloor(4, 1) == 4)
            let unpaced = fleet.falseAlarms(parameters: perSample)
            #expect(unpaced.perThousandSeriesPerDay > 3, "\(unpaced.anomalies) anomalies: \(unpaced.byKind)")
        }
    }

    /// A deploy restarts the process inside a scrape interval, so the first rate after it counts only the
    /// requests since the restart: a fake drop of up to the whole rate. It was 448 of the 528 false alarms
    /// at a 15-s scrape; the daemon now skips that rate, and deploys cost (almost) nothing.
    @Test func deploysThatChangeNothingRaiseNothing() async throws {
        try await computeOffThePool {
            var quiet = HealthyFleet(seriesCount: 100, days: 3, step: 15)
            quiet.deploysPerDay = 1e-9
            var deploying = HealthyFleet(seriesCount: 100, days: 3, step: 15)
            deploying.deploysPerDay = 4
            let withoutDeploys = quiet.falseAlarms().byKind["http_requests", default: 0]
            let withDeploys = deploying.falseAlarms().byKind["http_requests", default: 0]
            #expect(withDeploys <= withoutDeploys + 2, "\(withDeploys) with deploys, \(withoutDeploys) without")
            // Read as PromQL credits a reset, the same deploys raise many: the check above tells them apart.
            deploying.resets = .fromZero
            let creditedFromZero = deploying.falseAlarms().byKind["http_requests", default: 0]
            #expect(creditedFromZero > withoutDeploys + 10, "\(creditedFromZero) from zero, \(withoutDeploys) without")
        }
    }

    /// Scraped every 10 minutes, request rates are still rates (a rate spanned at most 5 minutes, so the
    /// fleet had none at intervals over 5 minutes, and read as quiet).
    @Test func requestRatesAreMeasuredAtIntervalsOverFiveMinutes() {
        let fleet = HealthyFleet(seriesCount: 5, days: 2, step: 600)
        var rates = 0
        fleet.observe(series: 2) { _, _ in rates += 1 }
        #expect(rates > 200, "\(rates) rates in two days of 288 scrapes")
    }

    /// The fleet has what it claims: every kind, daily cycles, deploys that reset counters and missed
    /// scrapes; and it is the same fleet every run.
    @Test func theFleetIsProductionShapedAndDeterministic() {
        let fleet = HealthyFleet(seriesCount: 5, days: 2, step: 60)
        var samples: [[(value: Double, time: Double)]] = Array(repeating: [], count: 5)
        for index in 0..<5 { fleet.observe(series: index) { samples[index].append(($0, $1)) } }
        let perSeries = 2 * 1440
        for index in 0..<5 {
            let missed = perSeries - samples[index].count
            // A gap a few times a day, never a silent series.
            #expect(missed >= 1 && missed < 60, "\(HealthyFleet.kind(of: index)): \(missed) scrapes missed")
        }
        // The CPU rate swings with the day: its busiest hour is well above its quietest.
        let cpu = samples[0].map(\.value)
        #expect(cpu.max()! > 1.3 * cpu.min()!)
        // The request rate has deploys (about two a day), and each restart costs a scrape.
        #expect(perSeries - samples[2].count >= 3)
        // Replicas are constant.
        #expect(Set(samples[3].map(\.value)).count == 1)
        var again: [(Double, Double)] = []
        fleet.observe(series: 2) { again.append(($0, $1)) }
        #expect(again.map(\.0) == samples[2].map(\.value) && again.map(\.1) == samples[2].map(\.time))
    }
}
