import ArgumentParser
import VigilCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `vigil bench`: measurements that can be taken beside other implementations in one run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Vigil's hot paths on your own data.",
        subcommands: [BenchParseCommand.self, BenchPipelineCommand.self]
    )
}

/// `vigil bench parse FILE`: the scrape-path parse (series lookup included) of a body held in memory.
struct BenchParseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse FILE in memory N times with a warm series cache and print one JSON line.",
        discussion: """
            Output: {"peer":"vigil","impl":…,"bytes":…,"samples":…,"runs_ns":[…],"cpu_ns":[…], \
            "median_ns":…,"ns_per_sample":…,"allocs_per_sample":…}. samples counts sample lines \
            (each histogram bucket, _sum and _count line is one). allocs_per_sample is null unless the \
            process runs with the allocation counter preloaded (scripts/bench.sh does that).
            """
    )

    @Argument(help: "The exposition file.")
    var file: String

    @OptionGroup var passes: BenchPasses

    @Option(help: "Exposition format: auto, prometheus, openmetrics.")
    var format: FormatChoice = .auto

    func run() async throws {
        let input = try ExpositionInput.load(file)
        let format = format.resolve(for: input)
        let cache = SeriesCache(expectedSeries: 1 << 17)
        var samples = 0
        var checksum: Double = 0
        for _ in 0..<passes.warmup {
            (samples, checksum) = try pass(input.bytes, format, cache)
        }
        let measured = try await passes.measure {
            let (count, sum) = try pass(input.bytes, format, cache)
            samples = count
            checksum += sum
        }
        Console.out(
            BenchReport(
                peer: "vigil",
                impl: "ExpositionParser+SeriesCache (\(format.rawValue))",
                bytes: input.bytes.count,
                samples: samples,
                measured: measured,
                checksum: checksum
            ).json
        )
    }

    /// One scrape-path pass: every sample resolved to its series and its value read.
    private func pass(_ bytes: [UInt8], _ format: ExpositionFormat, _ cache: SeriesCache) throws -> (Int, Double) {
        cache.beginScrape()
        var parser = ExpositionParser(bytes: bytes, format: format, reading: .prometheus, cache: cache)
        var samples = 0
        var sum: Double = 0
        do {
            while let entry = try parser.next() {
                guard entry == .sample else { continue }
                samples += 1
                sum += Double(parser.seriesRef?.index ?? 0) + (parser.value.isFinite ? parser.value : 0)
            }
        } catch {
            Console.error(error.rendered(file: file))
            throw ExitCode(1)
        }
        return (samples, sum)
    }
}

/// How many passes a `vigil bench` command measures, after how many unmeasured ones (the first fills
/// the series cache, or creates every series).
struct BenchPasses: ParsableArguments {
    @Option(help: "Measured passes.")
    var runs: Int = 10

    @Option(help: "Unmeasured passes first.")
    var warmup: Int = 2

    func validate() throws {
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
        guard warmup >= 0 else { throw ValidationError("--warmup cannot be negative") }
    }

    /// Runs `pass` `runs` times, timing each (wall clock and process CPU) and counting the allocations
    /// of all of them when the allocation counter is preloaded.
    func measure(_ pass: () async throws -> Void) async rethrows -> Measured {
        let counter = AllocationCounter()
        let before = counter?.count()
        var measured = Measured()
        for _ in 0..<runs {
            let wallStart = POSIXClock.nanoseconds(CLOCK_MONOTONIC)
            let cpuStart = POSIXClock.nanoseconds(CLOCK_PROCESS_CPUTIME_ID)
            try await pass()
            measured.cpu.append(POSIXClock.nanoseconds(CLOCK_PROCESS_CPUTIME_ID) - cpuStart)
            measured.wall.append(POSIXClock.nanoseconds(CLOCK_MONOTONIC) - wallStart)
        }
        measured.allocations = before.flatMap { before in counter.map { $0.count() - before } }
        return measured
    }
}

/// The measured passes of a benchmark.
struct Measured {
    var wall: [UInt64] = []
    var cpu: [UInt64] = []
    /// Allocations over all passes; nil without the allocation counter.
    var allocations: UInt64?
}

/// One benchmark result as the JSON line `scripts/bench.sh` collects.
struct BenchReport {
    var peer: String
    var impl: String
    var bytes: Int
    var samples: Int
    var measured: Measured
    var checksum: Double

    var json: String {
        let wall = measured.wall
        let cpu = measured.cpu
        let allocationsPerSample = measured.allocations.map { Double($0) / Double(wall.count * max(samples, 1)) }
        let median = wall.sorted()[wall.count / 2]
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("peer", first: true)
        writer.string(peer)
        writer.key("impl")
        writer.string(impl)
        writer.key("bytes")
        writer.raw(String(bytes))
        writer.key("samples")
        writer.raw(String(samples))
        writer.key("runs_ns")
        writer.raw("[" + wall.map(String.init).joined(separator: ",") + "]")
        writer.key("cpu_ns")
        writer.raw("[" + cpu.map(String.init).joined(separator: ",") + "]")
        writer.key("median_ns")
        writer.raw(String(median))
        writer.key("ns_per_sample")
        writer.raw(String(format: Double(median) / Double(max(samples, 1))))
        writer.key("allocs_per_sample")
        writer.raw(allocationsPerSample.map { String(format: $0) } ?? "null")
        writer.key("checksum")
        writer.raw(checksum.isFinite ? String(format: checksum) : "null")
        writer.raw("}")
        return writer.text
    }
}

extension String {
    init(format value: Double) {
        self = value.isFinite ? String((value * 1000).rounded() / 1000) : "null"
    }
}

/// Reads a POSIX clock by id: the benchmark measures CPU time (`CLOCK_PROCESS_CPUTIME_ID`), which Swift's
/// clocks do not offer.
enum POSIXClock {
    static func nanoseconds(_ clock: clockid_t) -> UInt64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

/// The allocation counter of `scripts/alloc-counter.c`, when it is preloaded into this process.
struct AllocationCounter {
    private let read: @convention(c) () -> UInt64

    init?() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "vigil_alloc_count") else { return nil }
        read = unsafeBitCast(symbol, to: (@convention(c) () -> UInt64).self)
    }

    func count() -> UInt64 { read() }
}
