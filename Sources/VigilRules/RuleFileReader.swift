import VigilCore
import VigilYAML
import Yams

/// Reads one rule file — `signals:` (detection rules) and `playbooks:` — with every error reported as
/// `file:line:column: field: message`. The format is documented in `rules/README.md`.
enum RuleFileReader {
    /// What a file gave: its rules that read, every error, and the names of the signals left out for an
    /// error of theirs (nil when some signal's name is not known: the file did not parse, or a signal
    /// without a readable name), so that a playbook naming one is not reported as naming no signal.
    struct Reading {
        var rules: RuleSet
        var errors: [String]
        var unreadSignals: Set<String>?
    }

    /// The file's rules that read, and every error: a rule with an error is left out (or, where its
    /// identity read, kept with what did read), so that the checks across the set still see its name.
    static func read(_ yaml: String, file: String) -> Reading {
        let root: Node?
        do {
            root = try YAMLDocument.compose(yaml, file: file)
        } catch {
            return Reading(rules: RuleSet(), errors: [error.message], unreadSignals: nil)
        }
        guard let root else { return Reading(rules: RuleSet(files: [file]), errors: [], unreadSignals: []) }
        let reader = ConfigReader(file: file)
        let fields = reader.fields(root, "", allowed: ["signals", "playbooks"])
        var set = RuleSet(files: [file])
        var unread: Set<String>? = []
        let signals = fields["signals"].map { reader.list($0, "signals") } ?? []
        // `signals:` that is no list (a missing `-`) gave none, and the names it held are not known.
        if fields["signals"].map({ $0.sequence == nil }) == true { unread = nil }
        for (index, node) in signals.enumerated() {
            if let signal = readSignal(node, "signals[\(index)]", reader) {
                set.signals.append(signal)
            } else if let name = node.mapping?["name"]?.string {
                unread?.insert(name)
            } else {
                unread = nil
            }
        }
        let playbooks = fields["playbooks"].map { reader.list($0, "playbooks") } ?? []
        set.playbooks = playbooks.enumerated().compactMap {
            readPlaybook($0.element, "playbooks[\($0.offset)]", reader)
        }
        return Reading(rules: set, errors: reader.errors, unreadSignals: unread)
    }

    private static func readOrigin(_ node: Node, _ reader: ConfigReader) -> String {
        "\(reader.file):\(node.mark?.line ?? 1)"
    }

    private static func readName(_ node: Node?, _ path: String, _ reader: ConfigReader) -> String? {
        guard let node else { return nil }
        guard let text = reader.string(node, path) else { return nil }
        let valid =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy {
                ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_"
                    || $0 == "-"
            }
        if !valid { reader.fail(node, path, "expected a name of letters, digits, _ and -, got \"\(text)\"") }
        return valid ? text : nil
    }

    private static func readSelector(_ node: Node, _ path: String, _ reader: ConfigReader) -> SeriesSelector? {
        guard let text = reader.string(node, path) else { return nil }
        do {
            return try SeriesSelector(text)
        } catch {
            reader.fail(node, path, "column \(error.column) of the selector: \(error.message)")
            return nil
        }
    }

    private static func readNumber(
        _ node: Node,
        _ path: String,
        _ reader: ConfigReader,
        in range: ClosedRange<Double>
    )
        -> Double?
    {
        guard let value = node.float ?? node.int.map(Double.init), range.contains(value) else {
            reader.fail(node, path, "expected a number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    private static func readChoice<T: RawRepresentable & CaseIterable>(
        _ node: Node,
        _ path: String,
        _ reader: ConfigReader
    ) -> T? where T.RawValue == String {
        guard let text = reader.string(node, path) else { return nil }
        guard let value = T(rawValue: text) else {
            reader.fail(
                node,
                path,
                "expected one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\""
            )
            return nil
        }
        return value
    }

    // MARK: - Signals

    private static func readSignal(_ node: Node, _ path: String, _ reader: ConfigReader) -> SignalRule? {
        let fields = reader.fields(
            node,
            path,
            allowed: [
                "name", "help", "selector", "transform", "by", "direction", "sensitivity", "min_change", "for",
                "labels",
            ]
        )
        let name = readName(fields["name"], "\(path).name", reader)
        if fields["name"] == nil { reader.fail(node, path, "name: required") }
        if fields["selector"] == nil { reader.fail(node, path, "selector: required") }
        let selector = fields["selector"].flatMap { readSelector($0, "\(path).selector", reader) }
        let transform = fields["transform"].map { readTransform($0, "\(path).transform", reader) } ?? .asIs
        // Every field is read before anything is given up on, so one bad field does not hide the next.
        let help = fields["help"].flatMap { reader.string($0, "\(path).help") } ?? ""
        let by = fields["by"].map { reader.strings($0, "\(path).by") }
        let direction: DetectionDirection? = fields["direction"].flatMap { readChoice($0, "\(path).direction", reader) }
        let sensitivity: SignalRule.Sensitivity? = fields["sensitivity"].flatMap {
            readChoice($0, "\(path).sensitivity", reader)
        }
        let change = fields["min_change"].flatMap { readNumber($0, "\(path).min_change", reader, in: 0...100) }
        let hold = fields["for"].flatMap { reader.seconds($0, "\(path).for", zero: true) }
        let labels = fields["labels"].map { reader.stringMap($0, "\(path).labels") } ?? [:]
        // Read, not just kept: a label nothing reads would look like routing that does not happen.
        for (label, value) in labels.sorted(by: { $0.key < $1.key })
        where label != "severity" || !SignalRule.severities.contains(value) {
            reader.fail(
                fields["labels"],
                "\(path).labels",
                "\(label): \"\(value)\": only severity is read, one of \(SignalRule.severities.joined(separator: ", "))"
            )
        }
        guard let name, let selector, let transform else { return nil }
        return SignalRule(
            name: name,
            help: help,
            selector: selector,
            transform: transform,
            by: by,
            direction: direction ?? .both,
            sensitivity: sensitivity ?? .normal,
            minimumChange: change ?? 0.2,
            holdFor: hold ?? 0,
            labels: labels,
            origin: readOrigin(node, reader)
        )
    }

    /// `as_is`, `rate`, `{quantile: 0.99}` or `{ratio: 'selector'}`.
    private static func readTransform(_ node: Node, _ path: String, _ reader: ConfigReader) -> SignalRule.Transform? {
        if let text = node.scalar?.string {
            switch text {
            case "as_is": return .asIs
            case "rate": return .rate
            default:
                reader.fail(node, path, "expected as_is, rate, {quantile: φ} or {ratio: SELECTOR}, got \"\(text)\"")
                return nil
            }
        }
        let fields = reader.fields(node, path, allowed: ["quantile", "ratio"])
        if let quantile = fields["quantile"], fields.count == 1 {
            return readNumber(quantile, "\(path).quantile", reader, in: 0...1).map { .quantile($0) }
        }
        if let ratio = fields["ratio"], fields.count == 1 {
            return readSelector(ratio, "\(path).ratio", reader).map { .ratio(denominator: $0) }
        }
        reader.fail(node, path, "expected exactly one of quantile or ratio")
        return nil
    }

    // MARK: - Playbooks

    private static func readPlaybook(_ node: Node, _ path: String, _ reader: ConfigReader) -> Playbook? {
        let fields = reader.fields(
            node,
            path,
            allowed: ["name", "cause", "summary", "when", "then", "autonomy", "verify", "explain"]
        )
        for required in ["name", "cause", "summary", "when"] where fields[required] == nil {
            reader.fail(node, path, "\(required): required")
        }
        let name = readName(fields["name"], "\(path).name", reader)
        let cause = readName(fields["cause"], "\(path).cause", reader)
        let summary = fields["summary"].flatMap { reader.string($0, "\(path).summary") }
        var playbook = Playbook(
            name: name ?? "",
            cause: cause ?? "",
            summary: summary ?? "",
            origin: readOrigin(node, reader)
        )
        if let when = fields["when"] {
            let clauses = reader.fields(when, "\(path).when", allowed: ["all", "any", "none"])
            playbook.all = readConditions(clauses["all"], "\(path).when.all", reader)
            playbook.any = readConditions(clauses["any"], "\(path).when.any", reader)
            playbook.none = readConditions(clauses["none"], "\(path).when.none", reader)
            if playbook.all.isEmpty && playbook.any.isEmpty {
                reader.fail(when, "\(path).when", "needs at least one condition under all or any")
            }
        }
        if let then = fields["then"] {
            playbook.then = reader.list(then, "\(path).then").enumerated().compactMap {
                readAction($0.element, "\(path).then[\($0.offset)]", reader)
            }
        }
        if let autonomy = fields["autonomy"] {
            playbook.autonomy = readChoice(autonomy, "\(path).autonomy", reader) ?? .propose
        }
        if let verify = fields["verify"] {
            let settings = reader.fields(verify, "\(path).verify", allowed: ["within", "undo"])
            if let within = settings["within"].flatMap({ reader.seconds($0, "\(path).verify.within") }) {
                playbook.verify.within = within
            }
            if let undo = settings["undo"] {
                playbook.verify.undo = readChoice(undo, "\(path).verify.undo", reader) ?? .never
            }
        }
        if let explain = fields["explain"] { playbook.explain = reader.string(explain, "\(path).explain") ?? "" }
        guard name != nil, cause != nil, summary != nil else { return nil }
        return playbook
    }

    private static func readConditions(_ node: Node?, _ path: String, _ reader: ConfigReader) -> [Playbook.Condition] {
        guard let node else { return [] }
        return reader.list(node, path).enumerated().compactMap { index, item in
            let itemPath = "\(path)[\(index)]"
            let kinds = Playbook.Condition.Kind.allCases.map(\.rawValue)
            let fields = reader.fields(item, itemPath, allowed: kinds + ["weight"])
            let named = kinds.filter { fields[$0] != nil }
            guard named.count == 1, let kind = Playbook.Condition.Kind(rawValue: named[0]) else {
                reader.fail(item, itemPath, "expected exactly one of \(kinds.joined(separator: ", "))")
                return nil
            }
            let weight = fields["weight"].flatMap { readNumber($0, "\(itemPath).weight", reader, in: 0...100) }
            return readName(fields[named[0]], "\(itemPath).\(named[0])", reader).map {
                Playbook.Condition(kind, $0, weight: weight)
            }
        }
    }

    private static func readAction(_ node: Node, _ path: String, _ reader: ConfigReader) -> Playbook.ActionTemplate? {
        let parameters = Playbook.ActionTemplate.Action.allCases.compactMap(\.parameter)
        let fields = reader.fields(node, path, allowed: ["action"] + parameters)
        guard let actionNode = fields["action"] else {
            reader.fail(node, path, "action: required")
            return nil
        }
        guard let action: Playbook.ActionTemplate.Action = readChoice(actionNode, "\(path).action", reader) else {
            return nil
        }
        var template = Playbook.ActionTemplate(action)
        for name in parameters where fields[name] != nil && name != action.parameter {
            reader.fail(fields[name], "\(path).\(name)", "does not apply to \(action.rawValue)")
        }
        if let parameter = action.parameter, let growth = fields[parameter] {
            let growthPath = "\(path).\(parameter)"
            let settings = reader.fields(growth, growthPath, allowed: ["factor", "max"])
            if let factor = settings["factor"] {
                template.factor = readNumber(factor, "\(growthPath).factor", reader, in: 1...10) ?? template.factor
            }
            if let maximum = settings["max"] {
                let text = maximum.scalar?.string ?? ""
                let value = action == .setResources || action == .expandPVC ? Quantity.value(text) : Double(text)
                // At most 1 EiB, or a million replicas: the proposal converts it to a whole number.
                if let value, value > 0,
                    value <= (action == .setResources || action == .expandPVC ? 1_152_921_504_606_846_976 : 1e6)
                {
                    template.maximum = value
                } else {
                    reader.fail(
                        maximum,
                        "\(growthPath).max",
                        "expected a positive quantity like 8Gi or 20, got \"\(text)\""
                    )
                }
            }
        }
        return template
    }
}
