import ArgumentParser
import VigilCore

/// `--detector NAME` and `--set key=value`: which detector, with which settings.
struct DetectorOptions: ParsableArguments {
    static let detectors: [String: EnsembleParameters] = [
        "ensemble": EnsembleParameters(),
        "ensemble-no-seasonal": {
            var parameters = EnsembleParameters()
            parameters.components.remove(.seasonal)
            return parameters
        }(),
        "level": .only(.level),
        "seasonal": .only(.seasonal),
        "change-point": .only(.changePoint),
        "spike": .only(.spike),
    ]

    @Option(
        help: """
            ensemble (level, seasonal, sustained deviation, change point and spike), ensemble-no-seasonal (the daemon's \
            --no-seasonal), level, seasonal, change-point or spike (one component alone).
            """
    )
    var detector: String = "ensemble"

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            """
            Override a setting (repeatable): levelAlpha, differenceAlpha, seasonalPeriod (seconds), \
            seasonalBins, seasonalAlpha, minimumSamples, changeThreshold, levelWeight, spikeWeight, changeWeight, peakMemory, peakFloor, warmupSamples, alarmHold, \
            sustainedAlpha (0 = off), sustainedClip, sustainedMemory, \
            minimumRelativeDeviation, referenceInterval (seconds), direction (up|down|both). Each is range-checked (an alpha is in (0, 1]; sustainedAlpha 0 turns the sustained deviation off).
            """,
            valueName: "key=value"
        )
    )
    var settings: [String] = []

    /// One numeric setting: the values that make sense (a `Double` → `Int` conversion of `1e300` traps, an
    /// alpha above 1 diverges, a million seasonal bins take gigabytes) and where the value goes.
    struct Setting: Sendable {
        var key: String
        var range: ClosedRange<Double>
        /// Whether the lower bound itself is refused (a smoothing factor of 0 never learns).
        var aboveLowerBound = false
        /// Whether only whole numbers make sense (counts of bins or samples).
        var whole = false
        var apply: @Sendable (inout EnsembleParameters, Double) -> Void

        func admits(_ number: Double) -> Bool {
            range.contains(number) && !(aboveLowerBound && number == range.lowerBound)
                && !(whole && number.rounded(.towardZero) != number)
        }

        var expectation: String {
            let lower = aboveLowerBound ? "\(Self.format(range.lowerBound)) <" : "\(Self.format(range.lowerBound)) ≤"
            return "\(whole ? "a whole number" : "a number"), \(lower) \(key) ≤ \(Self.format(range.upperBound))"
        }

        private static func format(_ number: Double) -> String {
            number.rounded(.towardZero) == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
        }
    }

    static let settings: [Setting] = [
        Setting(key: "levelAlpha", range: 0...1, aboveLowerBound: true) { $0.levelAlpha = $1 },
        Setting(key: "differenceAlpha", range: 0...1, aboveLowerBound: true) { $0.differenceAlpha = $1 },
        // Seconds, up to the longest duration Vigil reads (100 years).
        Setting(key: "seasonalPeriod", range: 0...3_153_600_000, aboveLowerBound: true) { $0.seasonalPeriod = $1 },
        // A bin a minute over a day at most: 24 bytes a bin, for every series.
        Setting(key: "seasonalBins", range: 1...1440, whole: true) { $0.seasonalBins = Int($1) },
        Setting(key: "seasonalAlpha", range: 0...1, aboveLowerBound: true) { $0.seasonalAlpha = $1 },
        Setting(key: "minimumSamples", range: 0...1_000_000, whole: true) { $0.minimumSamples = UInt32($1) },
        // In robust spreads.
        Setting(key: "changeThreshold", range: 0...1000, aboveLowerBound: true) { $0.changeThreshold = $1 },
        // The score is a weighted maximum of scores in 0...1.
        Setting(key: "levelWeight", range: 0...1) { $0.levelWeight = $1 },
        Setting(key: "spikeWeight", range: 0...1) { $0.spikeWeight = $1 },
        Setting(key: "changeWeight", range: 0...1) { $0.changeWeight = $1 },
        // Samples. The record is kept as a `Float` (RecordRatio): past 16,000 its decay at the smallest
        // pace (10⁻³: samples 0.3 s apart) falls under half a `Float` step, and the record would stop
        // forgetting.
        Setting(key: "peakMemory", range: 1...16_000) { $0.peakMemory = $1 },
        // In robust spreads.
        Setting(key: "peakFloor", range: 0...1000) { $0.peakFloor = $1 },
        Setting(key: "warmupSamples", range: 0...4_095, whole: true) { $0.warmupSamples = UInt32($1) },
        Setting(key: "alarmHold", range: 0...4_095, whole: true) { $0.alarmHold = UInt32($1) },
        // 0 turns the sustained deviation off.
        Setting(key: "sustainedAlpha", range: 0...1) { $0.sustainedAlpha = $1 },
        // In robust spreads.
        Setting(key: "sustainedClip", range: 0...1000, aboveLowerBound: true) { $0.sustainedClip = $1 },
        // Samples.
        Setting(key: "sustainedMemory", range: 1...10_000_000) { $0.sustainedMemory = $1 },
        // A fraction of the level.
        Setting(key: "minimumRelativeDeviation", range: 0...10) { $0.minimumRelativeDeviation = $1 },
        // Seconds: the sample spacing the other settings are counted in.
        Setting(key: "referenceInterval", range: 0...86_400, aboveLowerBound: true) { $0.referenceInterval = $1 },
    ]

    func validate() throws {
        _ = try parameters()
    }

    func parameters() throws -> EnsembleParameters {
        guard var parameters = Self.detectors[detector] else {
            throw ValidationError(
                "unknown detector '\(detector)'; known: \(Self.detectors.keys.sorted().joined(separator: ", "))"
            )
        }
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--set expects key=value, got '\(setting)'") }
            let (key, text) = (parts[0], parts[1])
            if key == "direction" {
                guard let direction = DetectionDirection(rawValue: text) else {
                    throw ValidationError("--set direction: expected up, down or both, got '\(text)'")
                }
                parameters.direction = direction
                continue
            }
            try Self.setting(key, flag: "--set").apply(&parameters, try Self.number(text, for: key, flag: "--set"))
        }
        return parameters
    }

    /// The numeric setting called `key`, or an error naming `flag`.
    static func setting(_ key: String, flag: String) throws -> Setting {
        guard let known = settings.first(where: { $0.key == key }) else {
            throw ValidationError("\(flag): unknown setting '\(key)'")
        }
        return known
    }

    /// `text` as a value of the setting `key`, range-checked, or an error naming `flag`.
    static func number(_ text: String, for key: String, flag: String) throws -> Double {
        let known = try setting(key, flag: flag)
        guard let number = Double(text), known.admits(number) else {
            throw ValidationError("\(flag) \(key): expected \(known.expectation), got '\(text)'")
        }
        return number
    }

    /// Scores every row of a series, streaming, in file order.
    func scores(_ series: RecordedSeries) throws -> [Double] {
        Self.scores(series, parameters: try parameters())
    }

    /// Scores every row of a series with `parameters`, streaming, in file order.
    static func scores(_ series: RecordedSeries, parameters: EnsembleParameters) -> [Double] {
        var detector = EnsembleDetector(parameters: parameters)
        var paced = PacedSettings()
        var scores: [Double] = []
        scores.reserveCapacity(series.values.count)
        for (value, timestamp) in zip(series.values, series.timestamps) {
            scores.append(detector.observe(value, at: timestamp, parameters: parameters, paced: &paced).score)
        }
        return scores
    }
}
