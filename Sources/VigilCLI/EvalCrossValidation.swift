import ArgumentParser
import Foundation
import VigilCore

/// `vigil eval nab --cross-validate`: the grid it searches and the report it prints.
extension EvalNABCommand {
    /// The settings cross-validation chooses among, besides NAB's threshold sweep: the six chosen by a
    /// search on NAB's files (docs/DETECTION.md says which others stay fixed), each at the default, half and double (the default first,
    /// so a tie keeps it) — the sustained deviation's three (and the detector without it), how long the
    /// record stage remembers a series's peak evidence, how fast a seasonal bin learns, and how many
    /// samples a baseline needs before it judges. 972 candidates: 4.5 minutes leaving each category out.
    static let defaultGrid: [(key: String, values: [Double])] = [
        ("sustainedAlpha", [0.2, 0.1, 0.4, 0]),
        ("sustainedClip", [8, 4, 16]),
        ("sustainedMemory", [16000, 8000, 32000]),
        ("peakMemory", [2000, 1000, 4000]),
        ("seasonalAlpha", [0.1, 0.05, 0.2]),
        ("minimumSamples", [10, 5, 20]),
    ]

    static var defaultGridText: String {
        defaultGrid.map { "\($0.key)=\($0.values.map { String(format: "%g", $0) }.joined(separator: ","))" }
            .joined(separator: " ")
    }

    /// The grid from `--grid`, else the default; every value range-checked like `--set`.
    func parsedGrid() throws -> [(key: String, values: [Double])] {
        guard !grid.isEmpty else { return Self.defaultGrid }
        return try grid.map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--grid expects key=v1,v2,…, got '\(entry)'") }
            let values = try parts[1].split(separator: ",").map {
                try DetectorOptions.number(String($0), for: parts[0], flag: "--grid")
            }
            guard !values.isEmpty else { throw ValidationError("--grid \(parts[0]): no value") }
            return (parts[0], values)
        }
    }

    /// Every combination of the grid's values over the chosen detector's settings, named by its values.
    func candidates(_ corpus: NABCorpus) throws -> [NABCrossValidation.Candidate] {
        var settings: [(name: String, parameters: EnsembleParameters)] = [("", try detector.parameters())]
        for (key, values) in try parsedGrid() {
            let setting = try DetectorOptions.setting(key, flag: "--grid")
            settings = settings.flatMap { base in
                values.map { value in
                    var parameters = base.parameters
                    setting.apply(&parameters, value)
                    let name = (base.name.isEmpty ? "" : base.name + ",") + "\(key)=\(String(format: "%g", value))"
                    return (name, parameters)
                }
            }
        }
        return settings.map { setting in
            NABCrossValidation.Candidate(
                name: setting.name,
                files: corpus.entries.map { entry in
                    NABScorer.File(
                        name: entry.name,
                        scores: DetectorOptions.scores(entry.series, parameters: setting.parameters),
                        windows: entry.windows
                    )
                }
            )
        }
    }

    func crossValidate(_ corpus: NABCorpus, inSample: [NABScorer.File]) throws {
        let candidates = try candidates(corpus)
        let categories = corpus.entries.map(\.category)
        let foldCount = folds.flatMap { Int($0) }
        if let foldCount, foldCount > categories.count {
            throw ValidationError("--folds \(foldCount): more folds than the corpus has files (\(categories.count))")
        }
        var deals: [[NABScorer.Result]] = []
        for deal in 0..<UInt64(repeats) {
            let groups =
                foldCount.map { NABCrossValidation.stratifiedFolds(of: categories, count: $0, deal: deal) }
                ?? categories
            let report: NABCrossValidation.Report
            do {
                report = try NABCrossValidation.run(
                    candidates: candidates,
                    groups: groups,
                    chosenBy: choosePerProfile ? nil : .standard
                )
            } catch {
                throw ValidationError("--cross-validate: \(error)")
            }
            if deal == 0 {
                try printReport(report, candidates: candidates.count, foldCount: foldCount, inSample: inSample)
            }
            deals.append(report.overall)
        }
        if deals.count > 1 { printDeals(deals) }
    }

    /// The first deal's folds and overall result beside the in-sample score.
    private func printReport(
        _ report: NABCrossValidation.Report,
        candidates: Int,
        foldCount: Int?,
        inSample: [NABScorer.File]
    ) throws {
        Console.out("")
        Console.out(
            "cross-validation: "
                + (foldCount.map { "\($0) folds of files, stratified by category; chosen on the other folds" }
                    ?? "leave one category out; chosen on the other categories")
                + ": the threshold (NAB's sweep) and one of \(candidates) settings (\(try parsedGrid().map(\.key).joined(separator: " × "))), "
                + (choosePerProfile ? "each chosen per profile" : "the setting chosen once, by the standard profile")
        )
        Console.out("profile              held out               windows  score    threshold  TP  FP  FN  chosen")
        for fold in report.folds {
            Console.out(
                "\(fold.profile.padding(toLength: 20, withPad: " ", startingAt: 0)) "
                    + "\(fold.heldOut.padding(toLength: 22, withPad: " ", startingAt: 0)) "
                    + "\(String(format: "%7d", fold.windows))  "
                    + (fold.windows == 0 ? "     –" : String(format: "%6.2f", fold.result.normalizedScore))
                    + "   \(String(format: "%.6f", fold.result.threshold))  "
                    + "\(fold.result.truePositives)  \(fold.result.falsePositives)  \(fold.result.falseNegatives)  "
                    + fold.candidate
            )
        }
        Console.out("profile              in-sample  cross-validated  TP  FP  FN")
        for result in report.overall {
            let profile = NABProfile.all.first { $0.name == result.profile } ?? .standard
            let inSampleScore = NABScorer.score(inSample, profile: profile).normalizedScore
            Console.out(
                "\(result.profile.padding(toLength: 20, withPad: " ", startingAt: 0)) "
                    + "\(String(format: "%9.2f", inSampleScore))  \(String(format: "%15.2f", result.normalizedScore))  "
                    + "\(result.truePositives)  \(result.falsePositives)  \(result.falseNegatives)"
            )
        }
    }

    /// Every deal's cross-validated score per profile, then their mean, least and greatest.
    private func printDeals(_ deals: [[NABScorer.Result]]) {
        let profiles = deals[0].map(\.profile)
        Console.out("")
        Console.out(
            "repeated: \(deals.count) deals of the folds (deal 0 above; each further one shuffled within categories)"
        )
        Console.out("deal   " + profiles.map { $0.padding(toLength: 20, withPad: " ", startingAt: 0) }.joined())
        func row(_ label: String, _ scores: [Double]) {
            Console.out(
                label.padding(toLength: 7, withPad: " ", startingAt: 0)
                    + scores.map { String(format: "%-20.2f", $0) }.joined()
            )
        }
        for (number, deal) in deals.enumerated() { row("\(number)", deal.map(\.normalizedScore)) }
        let columns = profiles.indices.map { column in deals.map { $0[column].normalizedScore } }
        row("mean", columns.map { $0.reduce(0, +) / Double($0.count) })
        row("least", columns.map { $0.min() ?? .nan })
        row("most", columns.map { $0.max() ?? .nan })
    }
}
