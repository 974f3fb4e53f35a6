// swift-tools-version: 6.2
import PackageDescription

// libFuzzer entry points for Vigil's parsers. Build with coverage *and* ASan this way (two
// `--sanitize` flags would silently drop coverage):
//   swift build --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
// scripts/fuzz.sh does it for you.
let package = Package(
    name: "VigilFuzz",
    dependencies: [.package(name: "vigil", path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzExposition",
            dependencies: [.product(name: "VigilCore", package: "vigil")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
