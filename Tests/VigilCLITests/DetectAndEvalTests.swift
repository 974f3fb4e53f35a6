import ArgumentParser
import Foundation
import Testing
import VigilCore
import VigilTestKit

@testable import VigilCLI

/// `vigil detect` and `vigil eval nab` end to end.
struct DetectAndEvalTests {
    /// The NAB corpus beside the checkout (`../shared/nab`, MIT): CI has it, a fresh clone does not. Too
    /// large to vendor for two tests, so the tests that read it run only when it is there, and say so.
    static let nab = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/nab")
    static let nabIsPresent: Bool = {
        let present = FileManager.default.fileExists(atPath: nab.appendingPathComponent("data").path)
        if !present {
            print("DetectAndEvalTests: \(nab.path) is absent; the two tests that score NAB files are skipped")
        }
        return present
    }()

    // `.enabled(if:)` reports the test as skipped with this comment when the corpus is absent.
    @Test(.enabled(if: nabIsPresent, "needs the NAB corpus in ../shared/nab"))
    func detectWritesOneScoredRowPerInputRow() async throws {
        let input = Self.nab.appendingPathComponent("data/artificialWithAnomaly/art_daily_jumpsup.csv")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-detect-\(UUID()).csv")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = await vigil("detect", input.path, output.path)
        #expect(result.status == 0)
        let rows = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        let inputRows = try String(contentsOf: input, encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "timestamp,value,anomaly_score")
        #expect(rows.count == inputRows.count)
        #expect(rows[1].hasPrefix("2014-04-01 00:00:00,"))
        for row in rows.dropFirst() {
            let score = try #require(Double(row.split(separator: ",")[2]))
            #expect(score >= 0 && score <= 1)
        }
    }

    @Test(.enabled(if: nabIsPresent, "needs the NAB corpus in ../shared/nab"))
    func detectIsStreamingAPrefixScoresTheSame() async throws {
        let input = Self.nab.appendingPathComponent("data/realKnownCause/nyc_taxi.csv")
        let full = try String(contentsOf: input, encoding: .utf8).split(
            separator: "\n",
            omittingEmptySubsequences: false
        )
        let prefix = try temporaryFile(full.prefix(3001).joined(separator: "\n") + "\n", suffix: ".csv")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let whole = await vigil("detect", input.path, "-")
        let partial = await vigil("detect", prefix.path, "-")
        #expect(whole.status == 0 && partial.status == 0)
        let wholeRows = whole.stdout.split(separator: "\n")
        let partialRows = partial.stdout.split(separator: "\n")
        #expect(partialRows.count == 3001)
        #expect(Array(wholeRows.prefix(3001)) == partialRows)
    }

    @Test func bundledIncidentRaisesExactlyOneAlarmAtItsStart() async throws {
        // The demo's series: ten days with a daily cycle; a regression starts on day 8 at 14:00.
        let input = repositoryRoot.appendingPathComponent("sample-metrics/checkout-p99-latency.csv")
        let result = await vigil("detect", input.path, "-")
        #expect(result.status == 0)
        let alarms = result.stdout.split(separator: "\n").dropFirst().filter { row in
            (Double(row.split(separator: ",")[2]) ?? 0) >= 0.3
        }
        #expect(alarms.map { $0.split(separator: ",")[0] } == ["2026-11-08 14:00:00"])
    }

    /// Rows out of time order are scored in file order (NAB's own files hold repeated hours), with a
    /// warning naming the first and how many more, and every row scored.
    @Test func detectWarnsOfRowsOutOfTimeOrder() async throws {
        let rows = ["00:00", "00:05", "00:05", "00:10", "00:02", "00:15"].map { "2014-07-01 \($0):00,1" }
        let file = try temporaryFile("timestamp,value\n" + rows.joined(separator: "\n") + "\n", suffix: ".csv")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = await vigil("detect", file.path, "-")
        #expect(result.status == 0)
        #expect(
            result.stderr == "vigil detect: warning: \(file.path):4: timestamp 2014-07-01 00:05:00 is not after the "
                + "row before it (2014-07-01 00:05:00) (and 1 more row): scored in file order, as a scrape would "
                + "take them\n"
        )
        #expect(result.stdout.split(separator: "\n").count == rows.count + 1)
        let ordered = try temporaryFile("timestamp,value\n" + rows[0] + "\n" + rows[1] + "\n", suffix: ".csv")
        defer { try? FileManager.default.removeItem(at: ordered) }
        #expect(await vigil("detect", ordered.path, "-").stderr.isEmpty)
    }

    @Test func detectReportsBadInputWithFileAndLine() async throws {
        let bad = try temporaryFile(
            "timestamp,value\n2014-07-01 00:00:00,1\n2014-07-01 00:05:00,oops\n",
            suffix: ".csv"
        )
        defer { try? FileManager.default.removeItem(at: bad) }
        let result = await vigil("detect", bad.path, "-")
        #expect(result.status == 1)
        #expect(result.stderr == "\(bad.path):3: invalid value \"oops\"\n")
    }

    @Test func unknownDetectorIsAUsageError() async {
        let result = await vigil("detect", "in.csv", "out.csv", "--detector", "magic")
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown detector 'magic'"))
    }

    /// Each was accepted: `1e300` bins trapped converting to `Int`, `1e8` took 2.4 GB, an alpha of 2 or
    /// 1e300 diverged, a period of 0 made every phase NaN.
    @Test(arguments: [
        ("seasonalBins=1e300", "seasonalBins: expected a whole number, 1 ≤ seasonalBins ≤ 1440, got '1e300'"),
        ("seasonalBins=1e8", "seasonalBins: expected a whole number, 1 ≤ seasonalBins ≤ 1440, got '1e8'"),
        ("seasonalBins=2.5", "seasonalBins: expected a whole number, 1 ≤ seasonalBins ≤ 1440, got '2.5'"),
        ("levelAlpha=2", "levelAlpha: expected a number, 0 < levelAlpha ≤ 1, got '2'"),
        ("levelAlpha=0", "levelAlpha: expected a number, 0 < levelAlpha ≤ 1, got '0'"),
        ("seasonalAlpha=1e300", "seasonalAlpha: expected a number, 0 < seasonalAlpha ≤ 1, got '1e300'"),
        ("seasonalPeriod=0", "seasonalPeriod: expected a number, 0 < seasonalPeriod ≤ 3153600000, got '0'"),
        ("levelWeight=nan", "levelWeight: expected a number, 0 ≤ levelWeight ≤ 1, got 'nan'"),
        ("warmupSamples=-1", "warmupSamples: expected a whole number, 0 ≤ warmupSamples ≤ 4095, got '-1'"),
        // The record stage counts both in 2⁻²⁰ of an interval, in 32 bits.
        ("alarmHold=4096", "alarmHold: expected a whole number, 0 ≤ alarmHold ≤ 4095, got '4096'"),
        ("peakMemory=inf", "peakMemory: expected a number, 1 ≤ peakMemory ≤ 16000, got 'inf'"),
        // Past 16,000 the `Float` record would stop decaying at the smallest pace.
        ("peakMemory=20000", "peakMemory: expected a number, 1 ≤ peakMemory ≤ 16000, got '20000'"),
    ])
    func outOfRangeDetectorSettingsAreUsageErrors(setting: String, message: String) async {
        let result = await vigil("detect", "in.csv", "out.csv", "--set", setting)
        #expect(result.status == 2)
        #expect(result.stderr.contains("Error: --set \(message)\n"), "\(result.stderr)")
    }

    @Test func settingsWithinTheirRangesAreApplied() throws {
        let options = try DetectorOptions.parse([
            "--set", "seasonalBins=1440", "--set", "levelAlpha=1", "--set", "seasonalPeriod=3600",
            "--set", "warmupSamples=0", "--set", "direction=up",
        ])
        let parameters = try options.parameters()
        #expect(parameters.seasonalBins == 1440 && parameters.levelAlpha == 1 && parameters.seasonalPeriod == 3600)
        #expect(parameters.warmupSamples == 0 && parameters.direction == .up)
    }

    @Test(arguments: [
        (["--folds", "5"], "--folds says how to cross-validate: add --cross-validate"),
        (
            ["--cross-validate", "--folds", "1"],
            "--folds: expected 'categories' or a number of folds of at least 2, got '1'"
        ),
        (
            ["--cross-validate", "--folds", "files"],
            "--folds: expected 'categories' or a number of folds of at least 2, got 'files'"
        ),
        (
            ["--cross-validate", "--repeats", "3"],
            "--repeats deals folds of files again: add --cross-validate --folds N"
        ),
        (["--cross-validate", "--folds", "5", "--repeats", "0"], "--repeats: expected at least 1, got 0"),
        (["--choose-per-profile"], "--choose-per-profile says how to cross-validate: add --cross-validate"),
    ])
    func foldsThatMakeNoSenseAreUsageErrors(arguments: [String], message: String) async {
        let result = await vigil(["eval", "nab", "corpus"] + arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains("Error: \(message)\n"), "\(result.stderr)")
    }

    /// A NAB-layout corpus in one category: a calm series of 1000 five-minute rows per file, with one
    /// spike, labelled by a window from 50 rows before it to 50 after.
    func tinyCorpus(spikes: [Int]) throws -> TemporaryDirectory {
        let corpus = try TemporaryDirectory("nab")
        let root = corpus.url
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("data/tiny"),
            withIntermediateDirectories: true
        )
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("labels"),
            withIntermediateDirectories: true
        )
        func stamp(_ row: Int) -> String {
            let minutes = row * 5
            return String(format: "2014-07-%02d %02d:%02d:00", 1 + minutes / 1440, minutes % 1440 / 60, minutes % 60)
        }
        var windows: [String] = []
        for (number, spike) in spikes.enumerated() {
            var csv = "timestamp,value\n"
            for row in 0..<1000 {
                csv += "\(stamp(row)),\(row == spike ? 100 : 10 + (row * 7919 % 13) / 10)\n"
            }
            try Data(csv.utf8).write(to: root.appendingPathComponent("data/tiny/spike\(number).csv"))
            windows.append(
                #""tiny/spike\#(number).csv": [["\#(stamp(spike - 50)).000000", "\#(stamp(spike + 50)).000000"]]"#
            )
        }
        try Data("{\(windows.joined(separator: ", "))}".utf8)
            .write(to: root.appendingPathComponent("labels/combined_windows.json"))
        return corpus
    }

    @Test func evalScoresATinyCorpus() async throws {
        let corpus = try tinyCorpus(spikes: [700])
        let result = await vigil("eval", "nab", corpus.url.path)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "NAB: 1 files, 1 windows, detector ensemble")
        let standard = try #require(lines.first { $0.hasPrefix("standard") }).split(separator: " ")
        // One detection at row 700 inside the window, nothing else: TP 1, FP 0, FN 0.
        #expect(standard.suffix(3) == ["1", "0", "0"])
        #expect(Double(standard[1])! > 90)
    }

    /// As NAB's runner: the corpus is the data files, so NAB's full labels file beside part of its data
    /// scores that part (and says what it left out); a data file the labels do not name is refused.
    @Test func theCorpusIsTheDataFilesEachWithItsLabels() async throws {
        let corpus = try tinyCorpus(spikes: [700, 720])
        let labels = corpus.url.appendingPathComponent("labels/combined_windows.json")
        let windows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: labels)) as? [String: Any])
        var more = windows
        for name in ["other/a.csv", "other/b.csv", "tiny/c.csv", "tiny/d.csv"] { more[name] = [[String]]() }
        try JSONSerialization.data(withJSONObject: more).write(to: labels)
        let scored = await vigil("eval", "nab", corpus.url.path)
        #expect(scored.status == 0, "\(scored.stderr)")
        #expect(scored.stdout.hasPrefix("NAB: 2 files, 2 windows, detector ensemble\n"))
        #expect(
            scored.stderr.contains("4 of the files labelled are not under ")
                && scored.stderr.contains("so not scored: other/a.csv, other/b.csv, tiny/c.csv, …"),
            "\(scored.stderr)"
        )

        try JSONSerialization.data(withJSONObject: windows.filter { $0.key != "tiny/spike1.csv" }).write(to: labels)
        let refused = await vigil("eval", "nab", corpus.url.path)
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains("combined_windows.json: no entry for 1 data file(s): tiny/spike1.csv"),
            "\(refused.stderr)"
        )
    }

    /// Files are scored in name order whatever order the directories list them in (cross-validation deals
    /// folds in that order); a category that is a symbolic link is read, hidden files are not.
    @Test func filesAreReadInNameOrderThroughLinkedCategories() async throws {
        let corpus = try tinyCorpus(spikes: [700, 720])
        let root = corpus.url
        let files = FileManager.default
        let spike = try Data(contentsOf: root.appendingPathComponent("data/tiny/spike0.csv"))
        try files.createDirectory(at: root.appendingPathComponent("data/other"), withIntermediateDirectories: true)
        try spike.write(to: root.appendingPathComponent("data/other/z.csv"))
        try files.createDirectory(at: root.appendingPathComponent("elsewhere"), withIntermediateDirectories: true)
        try spike.write(to: root.appendingPathComponent("elsewhere/m.csv"))
        try files.createSymbolicLink(
            at: root.appendingPathComponent("data/linked"),
            withDestinationURL: root.appendingPathComponent("elsewhere")
        )
        try Data("not,a,series".utf8).write(to: root.appendingPathComponent("data/tiny/._spike0.csv"))
        let labels = root.appendingPathComponent("labels/combined_windows.json")
        var windows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: labels)) as? [String: Any])
        windows["other/z.csv"] = windows["tiny/spike0.csv"]
        windows["linked/m.csv"] = windows["tiny/spike0.csv"]
        try JSONSerialization.data(withJSONObject: windows).write(to: labels)
        let result = await vigil("eval", "nab", root.path, "--per-file")
        #expect(result.status == 0, "\(result.stderr)")
        let listed = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") }
            .map { String($0.dropFirst(2).prefix { $0 != ":" }) }
        #expect(listed == ["linked/m.csv", "other/z.csv", "tiny/spike0.csv", "tiny/spike1.csv"])
    }

    @Test func repeatedFoldsPrintEveryDealAndTheirSpread() async throws {
        let corpus = try tinyCorpus(spikes: [700, 720, 740, 760])
        let result = await vigil(
            "eval",
            "nab",
            corpus.url.path,
            "--cross-validate",
            "--folds",
            "2",
            "--repeats",
            "3",
            "--grid",
            "peakFloor=4"
        )
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let heading = try #require(lines.firstIndex { $0.hasPrefix("repeated: 3 deals") })
        #expect(
            lines[heading + 1].split(separator: " ") == [
                "deal", "standard", "reward_low_FP_rate", "reward_low_FN_rate",
            ]
        )
        let rows = lines[(heading + 2)...].map { $0.split(separator: " ").map(String.init) }
        #expect(rows.map(\.first) == ["0", "1", "2", "mean", "least", "most"])
        // Every file's spike is found in its window at every deal, so every deal scores the same.
        let scores = rows.map { $0.dropFirst().map { Double($0)! } }
        #expect(rows[0].count == 4 && scores.allSatisfy { $0 == scores[0] } && scores[0][0] > 90)
    }

    /// The report says how the setting was chosen: once per fold by the standard profile, or per profile.
    @Test(arguments: [
        ([], "the setting chosen once, by the standard profile"), (["--choose-per-profile"], "each chosen per profile"),
    ])
    func crossValidationSaysHowTheSettingWasChosen(flags: [String], choice: String) async throws {
        let corpus = try tinyCorpus(spikes: [700, 720])
        let result = await vigil(
            ["eval", "nab", corpus.url.path, "--cross-validate", "--folds", "2", "--grid", "peakFloor=4,8"] + flags
        )
        #expect(result.status == 0, "\(result.stderr)")
        let heading = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("cross-validation: ") })
        #expect(heading.hasSuffix("2 settings (peakFloor), " + choice), "\(heading)")
    }
}
