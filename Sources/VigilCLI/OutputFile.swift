#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a whole file: to a temporary name first, then renamed, so a reader never sees half of it.
enum OutputFile {
    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    static func write(_ text: String, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        guard let file = fopen(temporary, "wb") else {
            throw WriteError(description: "\(path): cannot write: \(String(cString: strerror(errno)))")
        }
        var text = text
        let written = text.withUTF8 { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == text.utf8.count, closed == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw WriteError(description: "\(path): cannot write: \(String(cString: strerror(errno)))")
        }
    }
}
