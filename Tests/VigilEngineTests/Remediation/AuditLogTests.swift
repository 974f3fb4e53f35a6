import Foundation
import Testing
import VigilTestKit

@testable import VigilEngine

@Suite struct AuditLogTests {
    let directory = try! TemporaryDirectory("audit")

    /// A log in a directory not made yet, as at a first start.
    func temporary() -> String { directory.file("state/audit.jsonl").path }

    static func record(_ step: AuditRecord.Step, _ proposal: String = "p1") -> AuditRecord {
        RemediationFixture.record(step, proposal: proposal, incident: "i1", at: 1_800_000_000)
    }

    @Test func recordsSurviveAReopenInOrder() throws {
        let path = temporary()
        var applying = Self.record(.applying)
        applying.request = AuditRecord.Exchange(
            method: "PATCH",
            path: "/apis/apps/v1/namespaces/shop/deployments/web",
            body: #"{"a":"\n"}"#
        )
        try AuditLog(path: path, environment: [:]).append(Self.record(.proposed))
        try AuditLog(path: path, environment: [:]).append(applying)
        let (records, problems) = try AuditLog.read(path: path)
        #expect(records == [Self.record(.proposed), applying])
        #expect(problems.isEmpty)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
    }

    /// The directories of a log on a new machine are made one level at a time (each flushed with its
    /// parent); one that cannot be made is named (a failure to make it was dropped, and the open's "Not a
    /// directory" said nothing of where).
    @Test func theLogsDirectoriesAreMadeAndOneInTheWayIsNamed() throws {
        let deep = directory.file("a/b/c/audit.jsonl").path
        try AuditLog(path: deep, environment: [:]).append(Self.record(.proposed))
        #expect(try AuditLog(path: deep, environment: [:]).readNew().records.count == 1)

        #expect(FileManager.default.createFile(atPath: directory.file("file").path, contents: Data()))
        #expect {
            try AuditLog(path: directory.file("file/x/audit.jsonl").path, environment: [:])
        } throws: { error in
            "\(error)".contains("\(directory.file("file").path) is not a directory")
        }
    }

    @Test func aLineACrashToreIsCutOffWhenTheLogOpens() throws {
        let path = temporary()
        try AuditLog(path: path, environment: [:]).append(Self.record(.proposed))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"time":"2027-01-15T08:00:01.000Z","step":"appl"#.utf8))
        try handle.close()

        let log = try AuditLog(path: path, environment: [:])
        try log.append(Self.record(.dryRun))
        let (records, problems) = try AuditLog.read(path: path)
        #expect(records.map(\.step) == [.proposed, .dryRun])
        #expect(problems.isEmpty)
    }

    @Test func aBadLineIsReportedWithItsNumberAndTheRestIsRead() throws {
        let path = temporary()
        try AuditLog(path: path, environment: [:]).append(Self.record(.proposed))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("not json\n".utf8))
        try handle.close()
        try AuditLog(path: path, environment: [:]).append(Self.record(.dryRun))
        let (records, problems) = try AuditLog.read(path: path)
        #expect(records.map(\.step) == [.proposed, .dryRun])
        #expect(problems == ["\(path):2: not an audit record"])
    }

    /// `vigil audit` reads without the writers' lock: a record being appended (or one a crash cut short,
    /// which the next daemon cuts off) was reported as a damaged line.
    @Test func anUnfinishedLastLineIsNoDamage() throws {
        let path = temporary()
        try AuditLog(path: path, environment: [:]).append(Self.record(.proposed))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"step":"dry-"#.utf8))
        try handle.close()
        let (records, problems) = try AuditLog.read(path: path)
        #expect(records.map(\.step) == [.proposed])
        #expect(problems.isEmpty, "\(problems)")
    }

    /// The daemon and `vigil diagnose --apply` sharing a state directory, each with the log open: each
    /// reads what the other appended, once and in order, never its own appends; a bad line is named by
    /// its number in the whole log.
    @Test func eachWriterReadsWhatTheOtherAppendedOnce() throws {
        let path = temporary()
        try AuditLog(path: path, environment: [:]).append(Self.record(.proposed, "p0"))
        let daemon = try AuditLog(path: path, environment: [:])
        let diagnose = try AuditLog(path: path, environment: [:])
        #expect(try daemon.readNew().records.map(\.proposal) == ["p0"])
        #expect(try diagnose.readNew().records.map(\.proposal) == ["p0"])

        try daemon.append(Self.record(.applying, "p1"))
        try diagnose.append(Self.record(.proposed, "p2"))
        try daemon.append(Self.record(.applied, "p1"))
        #expect(try daemon.readNew().records.map(\.proposal) == ["p2"])
        #expect(try diagnose.readNew().records.map(\.step) == [.applying, .applied])
        #expect(try daemon.readNew().records.isEmpty)
        #expect(try diagnose.readNew().records.isEmpty)

        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("not json\n".utf8))
        try handle.close()
        try diagnose.append(Self.record(.dryRun, "p3"))
        let read = try daemon.readNew()
        #expect(read.records.map(\.proposal) == ["p3"])
        #expect(read.problems == ["\(path):5: not an audit record"])
    }

    /// A log truncated or replaced while open is not read on as if it were the same: the offset read up
    /// to no longer describes it, and a replaced file would hide the other writers' records.
    @Test(arguments: [false, true])
    func aLogTruncatedOrReplacedWhileOpenIsRefused(replaced: Bool) throws {
        let path = temporary()
        let log = try AuditLog(path: path, environment: [:])
        try log.append(Self.record(.proposed))
        _ = try log.readNew()
        if replaced {
            let other = path + ".new"
            try AuditLog(path: other, environment: [:]).append(Self.record(.proposed, "p2"))
            #expect(rename(other, path) == 0)
        } else {
            #expect(truncate(path, 0) == 0)
        }
        #expect(throws: AuditLog.Failure.self) { try log.readNew() }
    }

    /// A writer that died mid-line after the others opened the log: its torn line is never read, and the
    /// next append cuts it off rather than joining its own record to it.
    @Test func aLineAnotherWriterToreIsCutOffByTheNextAppend() throws {
        let path = temporary()
        let daemon = try AuditLog(path: path, environment: [:])
        let diagnose = try AuditLog(path: path, environment: [:])
        try daemon.append(Self.record(.proposed, "p1"))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(try JSONEncoder().encode(Self.record(.applying, "p2")).prefix(40))
        try handle.close()
        #expect(try diagnose.readNew().records.map(\.proposal) == ["p1"])

        try daemon.append(Self.record(.applied, "p1"))
        let read = try diagnose.readNew()
        #expect(read.records.map(\.step) == [.applied])
        #expect(read.problems.isEmpty)
        #expect(try AuditLog.read(path: path).records.map(\.step) == [.proposed, .applied])
    }

    /// A failed append is taken back off the log; where that fails too (/dev/full cannot be truncated),
    /// the failure says the record may still be read, rather than nothing.
    @Test func aFullDiskThrowsAndSaysWhetherTheRecordWasTakenBack() throws {
        let log = try AuditLog(path: "/dev/full", environment: [:])
        #expect {
            try log.append(Self.record(.proposed))
        } throws: { error in
            (error as? AuditLog.Failure)?.description
                == "cannot write the audit log /dev/full: No space left on device; what was written of the record could not be taken back (Invalid argument) and may be read"
        }
    }
}
