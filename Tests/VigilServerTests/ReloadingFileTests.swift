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

    /// A directory where `main` names `first`, which holds "one"; `second` is not there yet.
    struct Files {
        let directory: TemporaryDirectory
        let main: String
        let first: String
        let second: String

        init() throws {
            directory = try TemporaryDirectory("reload")
            main = directory.file("main").path
            first = directory.file("first").path
            second = directory.file("second").path
            try first.write(toFile: main, atomically: true, encoding: .utf8)
            try "one".write(toFile: first, atomically: true, encoding: .utf8)
        }
    }

    @Test func aNamedFileChangingAloneIsNoticedEvenAfterAFailure() throws {
        let files = try Files()
        let (main, named) = (files.main, files.first)
        let changes = Changes()
        let file = try ReloadingFile(
            path: main,
            load: Self.load,
            dependencies: { _ in [named] },
            onChange: { result, _ in changes.record(result) }
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

    /// The main file names another file that is not there yet: the failure names it, and its coming
    /// is noticed (only the last good value's files were watched, so it never was).
    @Test func aFileNamedAnewIsWatchedWhileItIsMissing() throws {
        let files = try Files()
        let (main, first, second) = (files.main, files.first, files.second)
        let load: @Sendable (String) -> Result<String, ReloadingFile<String>.Failure> = { path in
            let named = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            guard let text = try? String(contentsOfFile: named, encoding: .utf8) else {
                return .failure(.init("cannot read \(named)", files: [named]))
            }
            return .success(text)
        }
        let file = try ReloadingFile(path: main, load: load, dependencies: { _ in [first] })
        try second.write(toFile: main, atomically: true, encoding: .utf8)
        #expect((try? file.current().get()) == nil)
        try "two".write(toFile: second, atomically: true, encoding: .utf8)
        #expect(try file.current().get() == "two")
    }

    /// The file changed again while it was being read: stamped after the load, the second change was
    /// taken as seen and never read, the first contents (a certificate copied in halfway) served until
    /// some other change.
    @Test func aChangeDuringTheLoadIsReadAtTheNextCall() throws {
        let directory = try TemporaryDirectory("reload")
        let main = directory.file("main").path
        try "one".write(toFile: main, atomically: true, encoding: .utf8)
        let file = try ReloadingFile(
            path: main,
            load: { path in
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                // The second load reads "two", and "three" lands (another size) before it returns.
                if text == "two" { try? "three!".write(toFile: path, atomically: true, encoding: .utf8) }
                return .success(text)
            }
        )
        try "two".write(toFile: main, atomically: true, encoding: .utf8)
        #expect(try file.current().get() == "two")
        #expect(try file.current().get() == "three!")
    }

    /// The same for a file the new contents name for the first time: it had no stamp from before the
    /// load, and stamped after it, its change during the load was never seen.
    @Test func aFileNamedAnewThatChangesDuringTheLoadIsReadAgain() throws {
        let files = try Files()
        let (main, second) = (files.main, files.second)
        try "two".write(toFile: second, atomically: true, encoding: .utf8)
        let file = try ReloadingFile(
            path: main,
            load: { path in
                let named = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                let text = (try? String(contentsOfFile: named, encoding: .utf8)) ?? ""
                // The second file is rewritten (another size) just after it was read.
                if text == "two" { try? "three!".write(toFile: named, atomically: true, encoding: .utf8) }
                return .success(named + "=" + text)
            },
            // The value names its file before the `=`.
            dependencies: { (value: String) in [String(value.prefix { $0 != "=" })] }
        )
        try second.write(toFile: main, atomically: true, encoding: .utf8)
        #expect(try file.current().get() == second + "=two")
        #expect(try file.current().get() == second + "=three!")
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
