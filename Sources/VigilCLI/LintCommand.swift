import ArgumentParser
import VigilCore

/// `vigil lint`: validates exposition files as a scraper would.
struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check Prometheus text 0.0.4 or OpenMetrics 1.0 exposition files.",
        discussion: """
            Each invalid input is reported on stderr as FILE:LINE:COL: message, and the whole input is \
            rejected, as a scraper rejects a bad scrape. Exits 0 when every input is valid, 1 otherwise. \
            An input is held whole while it is checked: one over --max-input-bytes (256 MiB) is refused.

            Examples:
              vigil lint sample-metrics/*.prom
              curl -s localhost:9100/metrics | vigil lint -
            """
    )

    @Option(
        help:
            "Exposition format: auto (OpenMetrics for *.om or a final '# EOF', else text 0.0.4), prometheus, openmetrics."
    )
    var format: FormatChoice = .auto

    @OptionGroup var limit: InputLimit

    @Argument(help: "Files to check; '-' reads standard input.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one file, or '-' for standard input") }
    }

    func run() async throws {
        var failed = false
        for path in files {
            do {
                let input = try ExpositionInput.load(path, limit: limit.bytes)
                let format = format.resolve(for: input)
                var parser = ExpositionParser(bytes: input.bytes, format: format)
                var samples = 0
                while let entry = try parser.next() {
                    if entry == .sample { samples += 1 }
                }
                Console.out("\(input.name): ok (\(format.rawValue), \(samples) samples)")
            } catch let error as ExpositionError {
                failed = true
                Console.error(error.rendered(file: path == "-" ? "<stdin>" : path))
            } catch {
                failed = true
                Console.error("\(error)")
            }
        }
        if failed { throw ExitCode(1) }
    }
}
