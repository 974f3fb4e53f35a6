import Foundation
import Testing
import VigilEngine
import VigilTestKit

/// One daemon per state directory: a second is refused at once, naming the first, and the claim ends
/// with its holder.
struct StateDirectoryLockTests {
    let temporary = try! TemporaryDirectory("claim")

    @Test func aSecondClaimIsRefusedNamingTheHolder() throws {
        let first = try StateDirectoryLock(directory: temporary.url.path, host: "vigil-0")
        #expect(throws: StateDirectoryLock.Failure.self) {
            _ = try StateDirectoryLock(directory: temporary.url.path, host: "vigil-1")
        }
        do {
            _ = try StateDirectoryLock(directory: temporary.url.path, host: "vigil-1")
        } catch {
            #expect(error.fatal)
            #expect(
                error.description
                    == "state_dir \(temporary.url.path) is in use by another vigil run (its lock file names pid \(getpid()) on vigil-0): give each daemon its own state_dir"
            )
        }
        withExtendedLifetime(first) {}
    }

    @Test func theClaimEndsWithItsHolder() throws {
        do { _ = try StateDirectoryLock(directory: temporary.url.path, host: "vigil-0") }
        let next = try StateDirectoryLock(directory: temporary.url.path, host: "vigil-1")
        let holder = try String(contentsOf: temporary.file("vigil.lock"), encoding: .utf8)
        #expect(holder == "pid \(getpid()) on vigil-1\n")
        withExtendedLifetime(next) {}
    }

    /// A lock file that cannot be opened stops the start too: whoever made it may be running on it.
    @Test func aDirectoryThatCannotHoldTheLockIsRefusedWithTheReason() throws {
        #expect {
            _ = try StateDirectoryLock(directory: temporary.file("missing").path)
        } throws: { error in
            (error as? StateDirectoryLock.Failure).map {
                $0.fatal
                    && $0.description
                        == "cannot open \(temporary.file("missing/vigil.lock").path): No such file or directory"
            } ?? false
        }
    }
}
