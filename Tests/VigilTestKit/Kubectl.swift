import Foundation

/// The kubectl the tests run: the first on `PATH`, as `scripts/check-toolchain.sh` finds it (kubernetes.io's
/// install puts it in /usr/local/bin), else /usr/bin/kubectl.
public let kubectlExecutable: URL = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for directory in path.split(separator: ":")
    where FileManager.default.isExecutableFile(atPath: "\(directory)/kubectl") {
        return URL(fileURLWithPath: "\(directory)/kubectl")
    }
    return URL(fileURLWithPath: "/usr/bin/kubectl")
}()

/// Runs the real kubectl (``kubectlExecutable``) with `environment` alone; its exit status and output
/// (standard output and error together). Waited for off Swift's cooperative pool (``offThePool(_:)``).
public func kubectl(
    _ arguments: [String],
    environment: [String: String]
) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = kubectlExecutable
    process.arguments = arguments
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    return await offThePool {
        let data = output.fileHandleForReading.readDataToEndOfFile()
        return (process.waitForEnd().shellStatus, String(decoding: data, as: UTF8.self))
    }
}
