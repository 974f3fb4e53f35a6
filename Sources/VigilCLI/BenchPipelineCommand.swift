import ArgumentParser
import VigilCore
import VigilHTTP
import VigilScrape

/// `vigil bench pipeline FILE`: what the daemon does per scrape after the bytes arrived — parse, map to
/// stored series, counter rates, detectors — with the body served from memory.
struct BenchPipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Scrape FILE from memory N times through the daemon's pipeline and print one JSON line.",
        discussion: """
            The same JSON line as `vigil bench parse`. Everything but the network: the transport hands \
            over FILE's bytes (as libcurl would), then the scrape is parsed, labelled, stored and scored.
            """
    )

    @Argument(help: "The exposition file (text 0.0.4).")
    var file: String

    @OptionGroup var passes: BenchPasses

    @Flag(
        inversion: .prefixedNo,
        help: "Give every series a daily profile (the daemon's default); --no-seasonal measures without it."
    )
    var seasonal = true

    @Flag(
        help: """
            Change every gauge from one scrape to the next (the file, then each gauge's value plus one; a \
            counter that went down would read as a restart), so every gauge varies and has a daily profile; \
            without it a series whose value never changes has none.
            """
    )
    var vary = false

    func run() async throws {
        let bytes = try ExpositionInput.load(file).bytes
        var parameters = EnsembleParameters()
        if !seasonal { parameters.components.remove(.seasonal) }
        let manager = ScrapeManager(
            targets: [ScrapeTarget(url: "http://bench:9100/metrics", job: "bench")],
            transport: vary
                ? CyclingBodyTransport(bodies: [bytes, SyntheticExposition.gaugesPlusOne(bytes)])
                : FixedResponseTransport(body: bytes),
            store: SeriesStore(parameters: parameters)
        )
        let residentBefore = ProcessMemory.residentBytes()
        for _ in 0..<passes.warmup { await manager.scrapeAll() }
        // What the daemon does within 30 s of its series count changing (``HeapTrimmer``): the pages the
        // store's outgrown arrays and the first scrape's scratch left free go back to the kernel.
        ProcessMemory.trim()
        let residentAfter = ProcessMemory.residentBytes()
        let measured = await passes.measure { await manager.scrapeAll() }
        let health = await manager.health[0]
        guard health.health == "up" else {
            Console.error("\(file): \(health.lastError)")
            throw ExitCode(1)
        }
        let samples = health.samplesScraped
        let seriesCount = await manager.snapshot().series.count
        Console.error(
            "resident memory grew \((residentAfter - residentBefore) / max(seriesCount, 1)) bytes per series (\(seriesCount) series)"
        )
        Console.out(
            BenchReport(
                peer: "vigil-pipeline",
                impl:
                    "ScrapeManager (parse, label, store, rate, detect\(seasonal ? ", seasonal" : "")\(vary ? ", every gauge varying" : ""))",
                bytes: bytes.count,
                samples: samples,
                measured: measured,
                checksum: Double(seriesCount)
            ).json
        )
    }
}
