// swift-tools-version: 6.1
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
        .library(name: "VigilCLI", targets: ["VigilCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // The allocation-aware core: parser, series identity, detectors, NAB scoring. Imports nothing
        // but the stdlib and swift-numerics' RealModule (exp, log, erfc for the detectors).
        .target(
            name: "VigilCore",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: swiftSettings
        ),
        // libcurl through a typed shim: Swift cannot call the variadic curl_easy_setopt.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // The HTTP client of scraping and of the Kubernetes API: libcurl's multi interface on one thread.
        .target(name: "VigilHTTP", dependencies: ["CCurl"], swiftSettings: swiftSettings),
        // Targets, one scrape at a time: limits, all-or-nothing results, staleness.
        .target(name: "VigilScrape", dependencies: ["VigilCore", "VigilHTTP"], swiftSettings: swiftSettings),
        .target(
            name: "VigilCLI",
            dependencies: [
                "VigilCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "vigil", dependencies: ["VigilCLI"], swiftSettings: swiftSettings),
        .testTarget(name: "VigilCoreTests", dependencies: ["VigilCore"], swiftSettings: swiftSettings),
        // Fixtures/ holds the Python fixture server the tests start; it is read from disk, not bundled.
        .testTarget(
            name: "VigilHTTPTests",
            dependencies: ["VigilHTTP"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilScrapeTests",
            dependencies: ["VigilScrape", "VigilCore", "VigilHTTP"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VigilCLITests",
            dependencies: ["VigilCLI", "VigilCore"],
            swiftSettings: swiftSettings
        ),
    ]
)
