import ArgumentParser
import VigilCore

/// `vigil detect`: scores a recorded series, row by row, as the daemon would score it live.
struct DetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Score a timestamp,value CSV (NAB's format) and write timestamp,value,anomaly_score.",
        discussion: """
            Timestamps are ISO-8601 (2014-07-01 00:00:00) or Unix seconds. Streaming: a row's score depends \
            only on the rows before it, so scoring a prefix of the file gives the same scores for it.
            """
    )

    @Argument(help: "Input CSV with header timestamp,value.")
    var input: String

    @Argument(help: "Output CSV ('-' for standard output).")
    var output: String

    @OptionGroup var detector: DetectorOptions

    func run() async throws {
        let bytes = try ExpositionInput.load(input).bytes
        let series: RecordedSeries
        do {
            series = try RecordedSeries(csv: bytes)
        } catch {
            Console.error("\(input):\(error)")
            throw ExitCode(1)
        }
        if let first = series.firstStepBack {
            let more = series.stepsBack - 1
            let others = more == 0 ? "" : " (and \(more) more row\(more == 1 ? "" : "s"))"
            Console.error(
                "vigil detect: warning: \(input):\(first.line): timestamp \(first.timestamp) is not after the row "
                    + "before it (\(first.previous))\(others): scored in file order, as a scrape would take them"
            )
        }
        let scores = try detector.scores(series)
        var text = "timestamp,value,anomaly_score\n"
        text.reserveCapacity(series.values.count * 40)
        for index in scores.indices {
            text += "\(series.timestampTexts[index]),\(prometheusValueText(series.values[index])),\(scores[index])\n"
        }
        if output == "-" {
            Console.current.writeOut(text)
        } else {
            try OutputFile.write(text, to: output)
        }
    }
}
