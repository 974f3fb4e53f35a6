import ArgumentParser
import VigilCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--format`: how to read a file, since a file has no Content-Type.
enum FormatChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, prometheus, openmetrics

    /// The format for `input`: the one asked for, or for `auto` OpenMetrics when the file is named
    /// `*.om` or its last line is `# EOF` (which OpenMetrics requires), else text 0.0.4.
    func resolve(for input: ExpositionInput) -> ExpositionFormat {
        switch self {
        case .prometheus: return .prometheusText
        case .openmetrics: return .openMetrics
        case .auto:
            if input.name.hasSuffix(".om") || input.name.hasSuffix(".openmetrics") { return .openMetrics }
            var end = input.bytes.count
            while end > 0, input.bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
            return input.bytes[..<end].elementsEqual(Array("# EOF".utf8))
                || input.bytes[..<end].suffix(6).elementsEqual(Array("\n# EOF".utf8))
                ? .openMetrics : .prometheusText
        }
    }
}

/// `--max-input-bytes`: `lint` and `parse` hold an input whole (its last line decides its format), so
/// they bound it.
struct InputLimit: ParsableArguments {
    @Option(
        name: .customLong("max-input-bytes"),
        help: ArgumentHelp("Refuse an input larger than this many bytes (256 MiB).", valueName: "n")
    )
    var bytes: Int = ExpositionInput.defaultLimit

    func validate() throws {
        guard bytes > 0 else { throw ValidationError("--max-input-bytes must be positive") }
    }
}

/// One input named on the command line: a file, or `-` for standard input.
struct ExpositionInput {
    var name: String
    var bytes: [UInt8]

    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    /// The default of `--max-input-bytes`: far above any real scrape body (the largest bundled bench
    /// input is 32 MB), far below what would exhaust memory (`vigil lint /dev/zero` read until the
    /// process aborted at 1 GB).
    static let defaultLimit = 256 << 20

    /// Reads `path` whole (`-` is standard input), refusing more than `limit` bytes with a sentence that
    /// says how to raise it.
    static func load(_ path: String, limit: Int = defaultLimit) throws -> ExpositionInput {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ReadError(description: "\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        defer { if path != "-" { close(descriptor) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(description: "\(path): cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            guard bytes.count + count <= limit else {
                throw ReadError(
                    description:
                        "\(path == "-" ? "<stdin>" : path): input larger than \(limit) bytes (raise --max-input-bytes to read it)"
                )
            }
            bytes.append(contentsOf: chunk[..<count])
        }
        return ExpositionInput(name: path == "-" ? "<stdin>" : path, bytes: bytes)
    }
}
