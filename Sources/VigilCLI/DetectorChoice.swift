import ArgumentParser
import VigilCore

/// `--detector NAME` and `--set key=value`: which detector, with which settings.
struct DetectorOptions: ParsableArguments {
    static let detectors: [String: EnsembleParameters] = [
        "ensemble": EnsembleParameters(),
        "level": .only(.level),
        "seasonal": .only(.seasonal),
        "change-point": .only(.changePoint),
        "spike": .only(.spike),
    ]

    @Option(
        help: """
            ensemble (default: level, seasonal, change point and spike), level, seasonal, change-point or \
            spike (one component alone).
            """
    )
    var detector: String = "ensemble"

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            """
            Override a setting (repeatable): levelAlpha, differenceAlpha, seasonalPeriod (seconds), \
            seasonalBins, seasonalAlpha, minimumSamples, changeThreshold, levelWeight, spikeWeight, changeWeight, peakMemory, peakFloor, warmupSamples, \
            minimumRelativeDeviation, direction (up|down|both).
            """,
            valueName: "key=value"
        )
    )
    var settings: [String] = []

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
            guard let number = Double(text), number.isFinite, number >= 0 else {
                throw ValidationError("--set \(key): '\(text)' is not a non-negative number")
            }
            switch key {
            case "levelAlpha": parameters.levelAlpha = number
            case "differenceAlpha": parameters.differenceAlpha = number
            case "seasonalPeriod": parameters.seasonalPeriod = number
            case "seasonalBins": parameters.seasonalBins = max(1, Int(number))
            case "seasonalAlpha": parameters.seasonalAlpha = number
            case "minimumSamples": parameters.minimumSamples = UInt32(min(number, 1e9))
            case "changeThreshold": parameters.changeThreshold = number
            case "changeWeight": parameters.changeWeight = number
            case "levelWeight": parameters.levelWeight = number
            case "spikeWeight": parameters.spikeWeight = number
            case "peakMemory": parameters.peakMemory = max(1, number)
            case "peakFloor": parameters.peakFloor = number
            case "warmupSamples": parameters.warmupSamples = UInt32(min(number, 1e9))
            case "minimumRelativeDeviation": parameters.minimumRelativeDeviation = number
            default: throw ValidationError("--set: unknown setting '\(key)'")
            }
        }
        return parameters
    }

    /// Scores every row of a series, streaming, in file order.
    func scores(_ series: RecordedSeries) throws -> [Double] {
        let parameters = try parameters()
        var detector = EnsembleDetector(parameters: parameters)
        var scores: [Double] = []
        scores.reserveCapacity(series.values.count)
        for (value, timestamp) in zip(series.values, series.timestamps) {
            scores.append(detector.observe(value, at: timestamp, parameters: parameters).score)
        }
        return scores
    }
}
