import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to a loopback port, for what an HTTP client will not do: send half a
/// request, or nothing, and watch whether the server hangs up.
public final class RawConnection: @unchecked Sendable {
    private let descriptor: Int32

    public init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    deinit { close(descriptor) }

    public func send(_ text: String) {
        _ = text.withCString { Glibc.send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    /// Sends nothing more (a half close): the server reads the end of the stream where it waited for more.
    public func finishSending() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// What a read gave: bytes, the server's close (EOF or reset), or nothing within the wait.
    public enum Read: Equatable, Sendable {
        case bytes(String)
        case closed
        case nothingYet
    }

    /// One read, waiting at most `seconds`: a bound that only turns a hang into a failure, never what
    /// the test measures. The wait happens off Swift's cooperative pool (``offThePool(_:)``).
    public func read(waitingAtMost seconds: Int) async -> Read {
        await offThePool { self.blockingRead(waitingAtMost: seconds) }
    }

    private func blockingRead(waitingAtMost seconds: Int) -> Read {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        if count > 0 { return .bytes(String(decoding: buffer[..<count], as: UTF8.self)) }
        if count == 0 || errno == ECONNRESET { return .closed }
        return .nothingYet
    }

    /// Reads until the server closes (true) or a read waits `seconds` for nothing (false).
    public func readUntilClosed(waitingAtMost seconds: Int) async -> Bool {
        await offThePool { self.blockingReadUntilClosed(waitingAtMost: seconds) }
    }

    private func blockingReadUntilClosed(waitingAtMost seconds: Int) -> Bool {
        while true {
            switch blockingRead(waitingAtMost: seconds) {
            case .bytes: continue
            case .closed: return true
            case .nothingYet: return false
            }
        }
    }
}
