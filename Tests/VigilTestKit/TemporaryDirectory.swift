import Foundation

/// A fresh directory under the system's temporary directory, `vigil-PURPOSE-UUID`, removed with all it
/// holds when the last reference goes. Whoever owns it (a suite's stored property, a fixture, a test's
/// local) must hold it as long as anything reads or writes there, a child process included.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(_ purpose: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(purpose)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// `name` (a relative path) in the directory; nothing is created.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}
