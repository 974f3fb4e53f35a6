import Foundation
import NIOCore
import ServiceLifecycle

/// The HTTP server as a service whose failure to listen says where and why, in words: NIO's own error
/// reads `bind(descriptor:ptr:bytes:): Address already in use (errno: 98)`, with no address.
struct ListeningService: Service {
    let server: any Service
    /// `host:port` as configured.
    let address: String

    func run() async throws {
        do {
            try await server.run()
        } catch let error as IOError where [EADDRINUSE, EADDRNOTAVAIL, EACCES].contains(error.errnoCode) {
            throw ListenError(address: address, reason: String(cString: strerror(error.errnoCode)))
        }
    }
}

/// The server could not listen on its address (in use, not this host's, a port below 1024 without the
/// right).
public struct ListenError: Error, CustomStringConvertible {
    public var address: String
    public var reason: String

    public var description: String { "cannot listen on \(address): \(reason.lowercased())" }
}
