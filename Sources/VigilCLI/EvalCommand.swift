import ArgumentParser
import Foundation
import VigilCore

/// `vigil eval`: measures detectors against labelled benchmarks.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score detectors on labelled benchmarks.",
        subcommands: [EvalNABCommand.self, EvalFleetCommand.self]
    )
}

/// `vigil eval nab DIR`: the NAB score of a detector over a corpus laid out like NAB.
struct EvalNABCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nab",
        abstract: "Run a detector over a NAB-style corpus and print NAB's normalised scores.",
        discussion: """
            DIR holds data/<category>/<file>.csv and labels/combined_windows.json. Like NAB's runner, the \
            corpus is the CSV files under data/, each with its entry in the labels; files labelled but absent \
            (NAB's full labels beside part of its data) are counted on standard error and not scored, and a \
            data file with no entry is refused. Scores follow NAB's \
            rules: probationary period, scaled-sigmoid weights, one credited detection per window, one \
            threshold per profile optimised over all files, 0 = never alarming, 100 = perfect.
            """
    )

    @Argument(help: "The corpus directory (e.g. ../shared/nab).")
    var directory: String

    @OptionGroup var detector: DetectorOptions

    @Flag(help: "Also print each file's detections at the standard profile's threshold.")
    var perFile = false

    @Flag(
        help: """
            Also cross-validate (--folds: leave one category out, the default, or N folds of files): each \
            held-out part is scored with the grid's setting and the threshold that scored best on the rest.
            """
    )
    var crossValidate = false

    @Option(
        help: ArgumentHelp(
            """
            How --cross-validate splits the files: 'categories' (leave one NAB category out: the held-out data \
            is of a kind the choice never saw) or N (N folds of files, each category's files dealt across them \
            in turn: folds by file, stratified by category).
            """,
            valueName: "categories|N"
        )
    )
    var folds: String?

    @Option(
        help: """
            With --folds N: deal the folds this many times — the first deal in name order, each further one \
            with every category's files shuffled by the deal's number — and print each deal's score and \
            their mean, least and greatest: how much a figure owes to one split.
            """
    )
    var repeats = 1

    @Option(
        name: .customLong("grid"),
        help: ArgumentHelp(
            "A setting --cross-validate chooses among (repeatable; a --set key). Default: \(Self.defaultGridText).",
            valueName: "key=v1,v2,…"
        )
    )
    var grid: [String] = []

    @Flag(
        help: """
            With --cross-validate: let each profile choose its own grid setting (a detector per profile). By \
            default a fold's setting is chosen once, by the standard profile's training score, and each profile \
            chooses only its threshold, as NAB scores one configuration under every profile.
            """
    )
    var choosePerProfile = false

    func validate() throws {
        if choosePerProfile, !crossValidate {
            throw ValidationError("--choose-per-profile says how to cross-validate: add --cross-validate")
        }
        guard repeats >= 1 else { throw ValidationError("--repeats: expected at least 1, got \(repeats)") }
        if repeats > 1, folds.flatMap({ Int($0) }) == nil {
            throw ValidationError("--repeats deals folds of files again: add --cross-validate --folds N")
        }
        guard let folds else { return }
        guard crossValidate else { throw ValidationError("--folds says how to cross-validate: add --cross-validate") }
        guard folds == "categories" || (Int(folds).map { $0 >= 2 } ?? false) else {
            throw ValidationError("--folds: expected 'categories' or a number of folds of at least 2, got '\(folds)'")
        }
    }

    func run() async throws {
        let corpus = try NABCorpus(directory: directory)
        if !corpus.unscored.isEmpty {
            Console.error(
                "vigil eval nab: \(corpus.unscored.count) of the files labelled are not under \(directory)/data, "
                    + "so not scored: \(NABCorpus.abbreviated(corpus.unscored))"
            )
        }
        var files: [NABScorer.File] = []
        for entry in corpus.entries {
            let series = entry.series
            files.append(NABScorer.File(name: entry.name, scores: try detector.scores(series), windows: entry.windows))
        }
        let windows = files.reduce(0) { $0 + $1.windows.count }
        Console.out("NAB: \(files.count) files, \(windows) windows, detector \(detector.detector)")
        Console.out("profile              score    raw      threshold  TP  FP  FN")
        var standardThreshold = 1.1
        for profile in NABProfile.all {
            let result = NABScorer.score(files, profile: profile)
            if profile == .standard { standardThreshold = result.threshold }
            Console.out(
                "\(profile.name.padding(toLength: 20, withPad: " ", startingAt: 0)) "
                    + "\(String(format: "%6.2f", result.normalizedScore))  \(String(format: "%7.3f", result.rawScore))  "
                    + "\(String(format: "%.6f", result.threshold))  \(result.truePositives)  \(result.falsePositives)  \(result.falseNegatives)"
            )
        }
        if crossValidate { try crossValidate(corpus, inSample: files) }
        if perFile {
            for file in files {
                let single = NABScorer.File(name: file.name, scores: file.scores, windows: file.windows)
                let detections = single.scores.indices.filter {
                    $0 >= NABScorer.probationaryRows(single.scores.count) && single.scores[$0] >= standardThreshold
                }
                let hit = single.windows.filter { window in detections.contains { window.contains($0) } }.count
                Console.out("  \(file.name): windows \(hit)/\(file.windows.count), detections \(detections.count)")
            }
        }
    }
}

/// A NAB-layout corpus on disk. Like NAB's runner, the corpus is the CSV files under data/<category>/,
/// each scored with its entry in labels/combined_windows.json. Files labelled but absent are left out and
/// listed in `unscored` (NAB's full labels file beside part of its data scores that part, where NAB's
/// runner stops); a data file with no entry is refused (NAB's skips it with a warning).
struct NABCorpus {
    struct Entry {
        var name: String
        var series: RecordedSeries
        var windows: [ClosedRange<Int>]

        /// NAB's category: the directory under data/ (realTweets, artificialWithAnomaly, …).
        var category: String { String(name.split(separator: "/").first ?? "") }
    }

    var entries: [Entry] = []
    /// The files the labels name that are not under data/, in name order.
    var unscored: [String] = []

    init(directory: String) throws {
        let root = URL(fileURLWithPath: directory)
        let labelsURL = root.appendingPathComponent("labels/combined_windows.json")
        guard let labelData = try? Data(contentsOf: labelsURL),
            let labels = try JSONSerialization.jsonObject(with: labelData) as? [String: [[String]]]
        else {
            throw ValidationError("\(labelsURL.path): cannot read NAB windows (expected {\"file\": [[start, end], …]})")
        }
        let dataURL = root.appendingPathComponent("data")
        let names = try Self.dataFiles(in: dataURL)
        let unlabelled = names.filter { labels[$0] == nil }
        guard unlabelled.isEmpty else {
            throw ValidationError(
                "\(labelsURL.path): no entry for \(unlabelled.count) data file(s): \(Self.abbreviated(unlabelled)) "
                    + "(every file under data/ needs one: [] for no window)"
            )
        }
        unscored = Set(labels.keys).subtracting(names).sorted()
        for (name, pairs) in names.map({ ($0, labels[$0] ?? []) }) {
            let csv = dataURL.appendingPathComponent(name)
            guard let data = try? Data(contentsOf: csv) else { throw ValidationError("\(csv.path): cannot read") }
            let series: RecordedSeries
            do {
                series = try RecordedSeries(csv: Array(data))
            } catch {
                throw ValidationError("\(csv.path):\(error)")
            }
            let windows = try pairs.map { pair -> ClosedRange<Int> in
                guard pair.count == 2, let start = TimestampParser.seconds(Substring(pair[0])),
                    let end = TimestampParser.seconds(Substring(pair[1]))
                else { throw ValidationError("\(labelsURL.path): bad window \(pair) for \(name)") }
                let rows = series.timestamps.indices.filter {
                    series.timestamps[$0] >= start && series.timestamps[$0] <= end
                }
                guard let first = rows.first, let last = rows.last else {
                    throw ValidationError("\(labelsURL.path): window \(pair) of \(name) covers no row")
                }
                return first...last
            }
            entries.append(Entry(name: name, series: series, windows: windows))
        }
    }

    /// The first three of `names`, and "…" when there are more.
    static func abbreviated(_ names: [String]) -> String {
        names.prefix(3).joined(separator: ", ") + (names.count > 3 ? ", …" : "")
    }

    /// "<category>/<file>.csv" for every regular CSV file in a category directory of `data`, in name order;
    /// hidden files and directories are skipped, as NAB's runner skips them, and a category that is a
    /// symbolic link is followed.
    private static func dataFiles(in data: URL) throws -> [String] {
        let files = FileManager.default
        /// Whether `path` (a link followed) is a directory; nil where nothing is.
        func isDirectory(_ path: String) -> Bool? {
            var directory: ObjCBool = false
            return files.fileExists(atPath: path, isDirectory: &directory) ? directory.boolValue : nil
        }
        guard isDirectory(data.path) == true else {
            throw ValidationError("\(data.path): not a directory (expected data/<category>/<file>.csv)")
        }
        var names: [String] = []
        for category in try files.contentsOfDirectory(atPath: data.path) where !category.hasPrefix(".") {
            let categoryURL = data.appendingPathComponent(category)
            guard isDirectory(categoryURL.path) == true else { continue }
            guard let entries = try? files.contentsOfDirectory(atPath: categoryURL.path) else {
                throw ValidationError("\(categoryURL.path): cannot read")
            }
            for file in entries where file.hasSuffix(".csv") && !file.hasPrefix(".") {
                if isDirectory(categoryURL.appendingPathComponent(file).path) == false {
                    names.append("\(category)/\(file)")
                }
            }
        }
        guard !names.isEmpty else {
            throw ValidationError("\(data.path): no CSV file in a category directory (data/<category>/<file>.csv)")
        }
        return names.sorted()
    }
}
