import Foundation

// `stat` and its fields, as the compiler finds them first in this target's imports (through NIO's and
// Dispatch's headers): named, as MemberImportVisibility asks. Not FileManager's attributes, which look
// up the owner's and group's names in /etc/passwd and /etc/group at every call.
#if canImport(CDispatch)
import CDispatch
#endif

/// A value loaded from a file and loaded again whenever that file, or a file it names, changes: the
/// web configuration and the bearer token are read "at every request" as the exporter toolkit reads
/// its file, so a rotated certificate or token is picked up without a restart, yet an unchanged file
/// costs a `stat` per file, not a parse (and a TLS context) per request.
///
/// A change that does not load is reported once and then served as that failure (the server answers
/// 500 or refuses the handshake): failing closed, as the toolkit does, rather than going on with a
/// configuration the operator has replaced.
public final class ReloadingFile<Value: Sendable>: @unchecked Sendable {
    /// Why the file did not load.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        public init(_ message: String) { self.message = message }
    }

    public let path: String
    private let load: @Sendable (String) -> Result<Value, Failure>
    private let dependencies: @Sendable (Value) -> [String]
    private let onChange: @Sendable (Result<Value, Failure>) -> Void
    /// NSLock rather than Synchronization.Mutex, which ThreadSanitizer cannot see through on Linux.
    private let lock = NSLock()
    /// The files watched: the file itself and what its last good value named (kept after a failed
    /// load, so that fixing a named file alone is noticed).
    private var watched: [String]
    private var stamps: [FileStamp]
    private var loaded: Result<Value, Failure>

    /// Loads `path` now; a first load that fails throws, so a bad file stops the start.
    public init(
        path: String,
        load: @escaping @Sendable (String) -> Result<Value, Failure>,
        dependencies: @escaping @Sendable (Value) -> [String] = { _ in [] },
        onChange: @escaping @Sendable (Result<Value, Failure>) -> Void = { _ in }
    ) throws(Failure) {
        self.path = path
        self.load = load
        self.dependencies = dependencies
        self.onChange = onChange
        let first = load(path)
        let value = try first.get()
        self.loaded = first
        self.watched = [path] + dependencies(value)
        self.stamps = watched.map(FileStamp.init)
    }

    /// The value as the files stand now.
    public func current() -> Result<Value, Failure> {
        lock.lock()
        defer { lock.unlock() }
        guard watched.map(FileStamp.init) != stamps else { return loaded }
        loaded = load(path)
        if case .success(let value) = loaded { watched = [path] + dependencies(value) }
        stamps = watched.map(FileStamp.init)
        onChange(loaded)
        return loaded
    }
}

/// What `stat` says of a file, enough to notice a rewrite, a rename over it or a swapped symlink (as a
/// Kubernetes Secret volume rotates): device, inode, size and modification time. A missing file has
/// a stamp too, so its coming back is a change.
struct FileStamp: Equatable {
    var path: String
    var device: UInt64 = 0
    var inode: UInt64 = 0
    var size: Int64 = -1
    var seconds: Int = 0
    var nanoseconds: Int = 0

    init(_ path: String) {
        self.path = path
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        seconds = Int(status.st_mtim.tv_sec)
        nanoseconds = Int(status.st_mtim.tv_nsec)
    }
}
