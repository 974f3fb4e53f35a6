// swift-tools-version: 6.2
import PackageDescription

// Benchmarks live in their own package so the product never depends on the benchmark tool.
// Run: swift package --package-path Benchmarks benchmark      (or scripts/bench.sh)
let package = Package(
    name: "VigilBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "vigil", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ParserBenchmarks",
            dependencies: [
                .product(name: "VigilCore", package: "vigil"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ParserBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "DetectorBenchmarks",
            dependencies: [
                .product(name: "VigilCore", package: "vigil"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/DetectorBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "PipelineBenchmarks",
            dependencies: [
                .product(name: "VigilCore", package: "vigil"),
                .product(name: "VigilHTTP", package: "vigil"),
                .product(name: "VigilScrape", package: "vigil"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/PipelineBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "DiscoveryBenchmarks",
            dependencies: [
                .product(name: "VigilCore", package: "vigil"),
                .product(name: "VigilHTTP", package: "vigil"),
                .product(name: "VigilKube", package: "vigil"),
                .product(name: "VigilScrape", package: "vigil"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/DiscoveryBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
