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

/// One input named on the command line: a file, or `-` for standard input.
struct ExpositionInput {
    var name: String
    var bytes: [UInt8]

    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads `path` whole (`-` is standard input).
    static func load(_ path: String) throws -> ExpositionInput {
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
            bytes.append(contentsOf: chunk[..<count])
        }
        return ExpositionInput(name: path == "-" ? "<stdin>" : path, bytes: bytes)
    }
}
