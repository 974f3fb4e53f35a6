import Foundation
import Testing
import VigilTestKit

@testable import VigilServer

/// A file loaded again when it, or a file it names, changes; its failures served until fixed.
struct ReloadingFileTests {
    /// The main file names a second one; the value is the second file's text.
    static func load(_ path: String) -> Result<String, ReloadingFile<String>.Failure> {
        guard
            let named = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines
            ),
            let text = try? String(contentsOfFile: named, encoding: .utf8)
        else { return .failure(.init("cannot read")) }
        return .success(text)
    }

    @Test func aNamedFileChangingAloneIsNoticedEvenAfterAFailure() throws {
        let directory = try TemporaryDirectory("reload")
        let main = directory.file("main").path
        let named = directory.file("named").path
        try named.write(toFile: main, atomically: true, encoding: .utf8)
        try "one".write(toFile: named, atomically: true, encoding: .utf8)
        let changes = Changes()
        let file = try ReloadingFile(
            path: main,
            load: Self.load,
            dependencies: { _ in [named] },
            onChange: { changes.record($0) }
        )
        #expect(try file.current().get() == "one")
        #expect(changes.count == 0, "an unchanged file is not loaded again")

        try "two".write(toFile: named, atomically: true, encoding: .utf8)
        #expect(try file.current().get() == "two")
        try FileManager.default.removeItem(atPath: named)
        #expect((try? file.current().get()) == nil, "a failure is served, not the last good value")
        #expect((try? file.current().get()) == nil)
        #expect(changes.count == 2, "reported once per change")
        // Only the named file comes back: still watched after the failure.
        try "three".write(toFile: named, atomically: true, encoding: .utf8)
        #expect(try file.current().get() == "three")
    }

    @Test func aFirstLoadThatFailsThrows() {
        #expect(throws: ReloadingFile<String>.Failure.self) {
            try ReloadingFile(path: "/nonexistent/vigil", load: Self.load)
        }
    }

    final class Changes: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Bool] = []
        func record(_ result: Result<String, ReloadingFile<String>.Failure>) {
            lock.withLock { results.append((try? result.get()) != nil) }
        }
        var count: Int { lock.withLock { results.count } }
    }
}
