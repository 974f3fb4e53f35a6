import ArgumentParser
import VigilCore

/// `vigil parse`: shows what Vigil reads from an exposition.
struct ParseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse an exposition file and print its families, samples and exemplars.",
        discussion: """
            JSON output: {"format":…,"families":[{"name","type","help","unit","samples":[{"name", \
            "labels":{…},"value","timestamp_ms","exemplar":{"labels","value","timestamp"}}]}]}. \
            Values are strings ("NaN", "+Inf", "1.5"), as in Prometheus's HTTP API. The output is written \
            family by family; an input over --max-input-bytes (256 MiB) is refused.
            """
    )

    enum Output: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "Exposition format: auto, prometheus, openmetrics.")
    var format: FormatChoice = .auto

    @Option(help: "Output: text (one sample per line) or json.")
    var output: Output = .text

    @OptionGroup var limit: InputLimit

    @Argument(help: "The file to parse; '-' reads standard input.")
    var file: String

    func run() async throws {
        let input = try ExpositionInput.load(file, limit: limit.bytes)
        let format = format.resolve(for: input)
        let families: [MetricFamily]
        do {
            families = try MetricFamily.read(input.bytes, format: format)
        } catch {
            Console.error(error.rendered(file: input.name))
            throw ExitCode(1)
        }
        switch output {
        case .json: json(families, format: format)
        case .text: text(families)
        }
    }

    /// Writes one family at a time: the whole output as one string cost memory several times the input's.
    private func text(_ families: [MetricFamily]) {
        for (index, family) in families.enumerated() {
            var lines: [String] = []
            var header = "# \(family.name) \(family.type.rawValue)"
            if let unit = family.unit, !unit.isEmpty { header += " unit=\(unit)" }
            if let help = family.help { header += " — \(help)" }
            lines.append(header)
            for sample in family.samples {
                let labels = sample.labels.map { "\($0.name)=\"\($0.value.escapedAsLabelValue)\"" }.joined(
                    separator: ","
                )
                var line = labels.isEmpty ? sample.name : "\(sample.name){\(labels)}"
                line += " \(prometheusValueText(sample.value))"
                if let timestamp = sample.timestamp { line += " @\(timestamp)" }
                if let exemplar = sample.exemplar {
                    let exemplarLabels = exemplar.labels.map { "\($0.name)=\"\($0.value.escapedAsLabelValue)\"" }
                    line += " # {\(exemplarLabels.joined(separator: ","))} \(prometheusValueText(exemplar.value))"
                    if let timestamp = exemplar.timestamp { line += " \(timestamp)" }
                }
                lines.append(line)
            }
            Console.current.writeOut((index > 0 ? "\n" : "") + lines.joined(separator: "\n"))
        }
        Console.current.writeOut("\n")
    }

    private func json(_ families: [MetricFamily], format: ExpositionFormat) {
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("format", first: true)
        writer.string(format.rawValue)
        writer.key("families")
        writer.raw("[")
        for (familyIndex, family) in families.enumerated() {
            if familyIndex > 0 { writer.raw(",") }
            writer.raw("{")
            writer.key("name", first: true)
            writer.string(family.name)
            writer.key("type")
            writer.string(family.type.rawValue)
            writer.key("help")
            if let help = family.help { writer.string(help) } else { writer.raw("null") }
            writer.key("unit")
            if let unit = family.unit { writer.string(unit) } else { writer.raw("null") }
            writer.key("samples")
            writer.raw("[")
            for (sampleIndex, sample) in family.samples.enumerated() {
                if sampleIndex > 0 { writer.raw(",") }
                writer.raw("{")
                writer.key("name", first: true)
                writer.string(sample.name)
                writer.key("labels")
                labels(sample.labels.map { ($0.name, $0.value) }, &writer)
                writer.key("value")
                writer.string(prometheusValueText(sample.value))
                writer.key("timestamp_ms")
                writer.raw(sample.timestamp.map { String($0) } ?? "null")
                if let exemplar = sample.exemplar {
                    writer.key("exemplar")
                    writer.raw("{")
                    writer.key("labels", first: true)
                    labels(exemplar.labels.map { ($0.name, $0.value) }, &writer)
                    writer.key("value")
                    writer.string(prometheusValueText(exemplar.value))
                    writer.key("timestamp")
                    writer.raw(exemplar.timestamp.map { "\($0)" } ?? "null")
                    writer.raw("}")
                }
                writer.raw("}")
            }
            writer.raw("]}")
            Console.current.writeOut(writer.text)
            writer = JSONWriter()
        }
        writer.raw("]}")
        Console.current.writeOut(writer.text + "\n")
    }

    private func labels(_ pairs: [(String, String)], _ writer: inout JSONWriter) {
        writer.raw("{")
        for (index, (name, value)) in pairs.enumerated() {
            writer.key(name, first: index == 0)
            writer.string(value)
        }
        writer.raw("}")
    }
}
