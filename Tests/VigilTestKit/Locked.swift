import Foundation

/// A value shared between threads in a test, behind an `NSLock`: ThreadSanitizer sees pthread locks,
/// and not Synchronization's `Mutex` on Linux (whose futex path it cannot follow).
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
