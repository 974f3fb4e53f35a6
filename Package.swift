// swift-tools-version: 6.2
import PackageDescription

/// One settings list for every target: Swift 6 mode with the upcoming features we hold ourselves to.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "VigilCore", targets: ["VigilCore"]),
        .library(name: "VigilHTTP", targets: ["VigilHTTP"]),
        .library(name: "VigilScrape", targets: ["VigilScrape"]),
        .library(name: "VigilKube", targets: ["VigilKube"]),
        .library(name: "VigilCLI", targets: ["VigilCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
    ],
    targets: [
        // The allocation-aware core: parser, series identity, detectors, NAB scoring. Imports nothing
        // but the stdlib, Glibc (memchr, memcmp) and swift-numerics' RealModule (exp, for NAB scoring).
        .target(
            name: "VigilCore",
            dependencies: [
                .product(name: "RealModule", package: "swift-numerics"),
                .target(name: "CMalloc", condition: .when(platforms: [.linux])),
            ],
            swiftSettings: swiftSettings
        ),
        // libcurl through a typed shim: Swift cannot call the variadic curl_easy_setopt.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // The HTTP client of scraping and of the Kubernetes API: libcurl's multi interface on one thread.
        .target(name: "VigilHTTP", dependencies: ["CCurl"], swiftSettings: swiftSettings),
        // Targets and their scrape loops: limits, all-or-nothing results, staleness, target labels,
        // relabelling, and the pipeline into the series store and detectors.
        .target(
            name: "VigilScrape",
            dependencies: [
                "VigilCore", "VigilHTTP", "VigilYAML",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // YAML read node by node with file:line:column errors: the daemon's configuration, kubeconfigs,
        // rule files.
        .target(
            name: "VigilYAML",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // The Kubernetes API client: connection (kubeconfig, in-cluster), watches, actions.
        .target(
            name: "VigilKube",
            dependencies: ["VigilHTTP", "VigilYAML", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // Rule files: detection rules (PromQL selectors, transforms, detector settings) and remediation
        // playbooks, validated whole with file:line:column errors.
        .target(
            name: "VigilRules",
            dependencies: ["VigilCore", "VigilYAML", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // The daemon's state beyond samples (checkpoints), and diagnosis: signals from rules, analyzers
        // over the cluster model, incidents with a ranked cause, proposals.
        .target(
            name: "VigilEngine",
            dependencies: [
                "VigilCore", "VigilRules", "VigilKube", "VigilYAML", "VigilHTTP",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // libxcrypt through its header: bcrypt password hashes of the web configuration's basic auth.
        .systemLibrary(name: "CCrypt", pkgConfig: "libcrypt", providers: [.apt(["libcrypt-dev"])]),
        // History from Prometheus's HTTP API (query_range planned, read and stitched into the engine's
        // MetricHistory): I/O kept out of VigilEngine, whose diagnosis stays a pure function.
        .target(
            name: "VigilHistory",
            dependencies: [
                "VigilCore", "VigilHTTP", "VigilEngine", "VigilRules", .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP face of `vigil run`: /metrics, health, readiness, the anomalies and incidents API, reload;
        // TLS, authentication and connection limits from the exporter toolkit's web configuration file.
        .target(
            name: "VigilServer",
            dependencies: [
                "VigilCore", "VigilEngine", "VigilScrape", "VigilYAML", "CCrypt", "VigilAssist",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // AI assist: the MCP tools over a read-only catalog, answer bounds, and the optional narrator
        // (masking, an OpenAI-compatible chat client). Read-only by construction: it depends on nothing that
        // can change a cluster — not VigilEngine (the remediator), not VigilKube (the client that acts).
        .target(
            name: "VigilAssist",
            dependencies: ["VigilHTTP", .product(name: "MCP", package: "swift-sdk")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VigilCLI",
            dependencies: [
                "VigilCore", "VigilHTTP", "VigilScrape", "VigilEngine", "VigilServer", "VigilYAML", "VigilKube",
                "VigilRules", "VigilHistory", "VigilAssist",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // glibc's malloc tuning: one arena for the process, and freed pages returned (ProcessMemory).
        .systemLibrary(name: "CMalloc"),
        .executableTarget(
            name: "vigil",
            dependencies: ["VigilCLI", "VigilCore"],
            swiftSettings: swiftSettings
        ),
        // Test support shared by the test targets (loopback test servers); never a product dependency.
        .target(
            name: "VigilTestKit",
            dependencies: ["VigilHTTP", .product(name: "Logging", package: "swift-log")],
            path: "Tests/VigilTestKit",
            swiftSettings: swiftSettings
        ),
        // Fixtures/ holds the vendored OpenMetrics conformance cases (with their licence); read from disk.
        .testTarget(
            name: "VigilCoreTests",
            dependencies: ["VigilCore", "VigilTestKit"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        // Fixtures/ holds the Python fixture server the tests start; it is read from disk, not bundled.
        .testTarget(
            name: "VigilHTTPTests",
            dependencies: ["VigilHTTP", "VigilTestKit"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilScrapeTests",
            dependencies: [
                "VigilScrape", "VigilCore", "VigilHTTP", "VigilEngine", "VigilTestKit", "VigilYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilKubeTests",
            dependencies: ["VigilKube", "VigilHTTP", "VigilCLI", "VigilTestKit"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilRulesTests",
            dependencies: ["VigilRules", "VigilCore", "VigilYAML"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilEngineTests",
            dependencies: [
                "VigilEngine", "VigilCore", "VigilRules", "VigilKube", "VigilTestKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            // Fixtures/: a webhook body exactly as Alertmanager 0.25 posted it; read from disk.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilServerTests",
            dependencies: [
                "VigilServer", "VigilHTTP", "VigilTestKit", "VigilEngine", "VigilScrape",
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilHistoryTests",
            dependencies: ["VigilHistory", "VigilHTTP", "VigilEngine", "VigilRules", "VigilCore", "VigilTestKit"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilAssistTests",
            dependencies: [
                "VigilAssist", "VigilCLI", "VigilHTTP", "VigilTestKit", "VigilServer", "VigilEngine", "VigilRules",
                "VigilScrape",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Fixtures/ holds the recording chat-completions server the tests start; read from disk.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilCLITests",
            dependencies: [
                "VigilCLI", "VigilCore", "VigilHTTP", "VigilScrape", "VigilServer", "VigilYAML", "VigilKube",
                "VigilEngine", "VigilTestKit", "VigilHistory", "VigilRules",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
            ],
            // Golden/ holds the reports the tests compare against; read from disk.
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
    ]
)
