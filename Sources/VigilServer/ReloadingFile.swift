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
        /// The files the contents that failed name (a certificate not there yet): watched until the
        /// value loads, so that one appearing is noticed.
        public var files: [String]
        public var description: String { message }
        public init(_ message: String, files: [String] = []) {
            self.message = message
            self.files = files
        }
    }

    public let path: String
    private let load: @Sendable (String) -> Result<Value, Failure>
    private let dependencies: @Sendable (Value) -> [String]
    private let onChange: @Sendable (Result<Value, Failure>, _ atStart: Value) -> Void
    /// The value loaded at the start: what a setting fixed at the start goes by (TLS or not).
    public let atStart: Value
    /// NSLock rather than Synchronization.Mutex, which ThreadSanitizer cannot see through on Linux.
    private let lock = NSLock()
    /// The files watched: the file itself and what its value names; after a failed load, what the
    /// failed contents named and what the last good value named, so that fixing a named file alone, or
    /// one named anew appearing, is noticed.
    private var watched: [String]
    /// What the last good value named.
    private var named: [String]
    /// Each watched file's stamp from before the load that read it.
    private var stamps: [FileStamp]
    private var loaded: Result<Value, Failure>

    /// Loads `path` now; a first load that fails throws, so a bad file stops the start. `onChange` hears
    /// each later load, with the value loaded at the start.
    public init(
        path: String,
        load: @escaping @Sendable (String) -> Result<Value, Failure>,
        dependencies: @escaping @Sendable (Value) -> [String] = { _ in [] },
        onChange: @escaping @Sendable (Result<Value, Failure>, _ atStart: Value) -> Void = { _, _ in }
    ) throws(Failure) {
        self.path = path
        self.load = load
        self.dependencies = dependencies
        self.onChange = onChange
        let first = load(path)
        let value = try first.get()
        self.atStart = value
        self.loaded = first
        self.named = dependencies(value)
        self.watched = [path] + named
        self.stamps = watched.map { FileStamp($0) }
    }

    /// The value as the files stand now.
    public func current() -> Result<Value, Failure> {
        lock.lock()
        defer { lock.unlock() }
        let seen = watched.map { FileStamp($0) }
        guard seen != stamps else { return loaded }
        let before = Dictionary(zip(watched, seen)) { first, _ in first }
        loaded = load(path)
        switch loaded {
        case .success(let value):
            named = dependencies(value)
            watched = [path] + named
        case .failure(let failure):
            var files = [path]
            for file in failure.files + named where !files.contains(file) { files.append(file) }
            watched = files
        }
        // Stamped as they were before the load where they were watched: a file rewritten while it was
        // read differs from its stamp and is read again at the next call (stamped after, the change was
        // never seen, and a certificate copied in halfway failed every request until another change). A
        // file named anew had no stamp before: it is read again once, at the next call.
        stamps = watched.map { before[$0] ?? FileStamp(unread: $0) }
        onChange(loaded, atStart)
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

    /// A stamp no file has: the file is taken as changed at the next look.
    init(unread path: String) {
        self.path = path
        size = -2
    }

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
