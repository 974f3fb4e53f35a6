import Foundation
import Testing
import VigilTestKit

#if canImport(Glibc)
import Glibc
#endif

/// How the tests learn that a child ended: from the kernel, as soon as it has, and the same as Foundation
/// says once Foundation has noticed.
struct ProcessEndTests {
    /// Each script, how it ends, and the status a shell reports for that.
    @Test(
        arguments: [
            ("exit 0", ProcessEnd(status: 0), 0), ("exit 3", ProcessEnd(status: 3), 3),
            ("ulimit -c 0; kill -SEGV $$", ProcessEnd(signal: SIGSEGV), 139),
            ("kill -KILL $$", ProcessEnd(signal: SIGKILL), 137),
        ] as [(String, ProcessEnd, Int32)]
    )
    func aChildsEndIsTheStatusOrTheSignal(script: String, expected: ProcessEnd, shellStatus: Int32) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        let end = await offThePool { process.waitForEnd() }
        #expect(end == expected)
        // Foundation's own record, once it has reaped the child, answers the same. Foundation may not notice
        // for as long as a child of another test holds its descriptor (what `end` is for): then only the
        // kernel's answer is checked.
        for _ in 0..<3_000 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        if !process.isRunning { #expect(process.end == expected) }
        #expect(end.shellStatus == shellStatus)
    }

    @Test func aRunningChildHasNoEnd() throws {
        let process = Process()
        let orphanGuard = try OrphanGuard.run(process, URL(fileURLWithPath: "/bin/sleep"), ["600"])
        #expect(process.end == nil)
        orphanGuard.stop()
        #expect(process.end == ProcessEnd(signal: SIGKILL))
    }
}
