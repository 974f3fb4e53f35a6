import Foundation

/// Runs the real kubectl (`/usr/bin/kubectl`) with `environment` alone; its exit status and output
/// (standard output and error together). Waited for off Swift's cooperative pool (``offThePool(_:)``).
public func kubectl(
    _ arguments: [String],
    environment: [String: String]
) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/kubectl")
    process.arguments = arguments
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = await offThePool {
        let data = output.fileHandleForReading.readDataToEndOfFile()
        while process.isRunning { usleep(5_000) }
        return String(decoding: data, as: UTF8.self)
    }
    return (process.terminationStatus, text)
}
