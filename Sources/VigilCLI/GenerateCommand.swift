import ArgumentParser
import VigilCore

/// `vigil generate`: deterministic synthetic expositions for benchmarks and demos.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a deterministic synthetic exposition (text 0.0.4) to stdout.",
        discussion: """
            Shapes: kube-state-metrics (long label sets), cadvisor (timestamps, cgroup paths), \
            histogram (12 buckets + _sum + _count per series). The same arguments give the same bytes.
            """
    )

    @Argument(help: "kube-state-metrics, cadvisor or histogram.")
    var shape: SyntheticExposition.Shape

    @Option(help: "Approximate number of sample lines.")
    var samples: Int = 100_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Flag(
        help: """
            Every gauge's value plus one (counters as they are): served in turn with the plain output, a \
            target whose gauges all vary (scripts/bench-pipeline.sh's VARY).
            """
    )
    var gaugesPlusOne = false

    func validate() throws {
        guard samples > 0 else { throw ValidationError("--samples must be positive") }
    }

    func run() async throws {
        let generated = SyntheticExposition.generate(shape, samples: samples, seed: seed)
        let bytes = gaugesPlusOne ? SyntheticExposition.gaugesPlusOne(generated) : generated
        Console.current.writeOut(String(decoding: bytes, as: UTF8.self))
    }
}

extension SyntheticExposition.Shape: ExpressibleByArgument {}
