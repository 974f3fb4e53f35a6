import Foundation
import VigilCore
import VigilKube
import VigilRules
import VigilYAML
import Yams

/// A rule test file, as `promtool test rules` reads its own: the rule files under test, and tests of
/// input series (promtool's `a+bxN` notation), Kubernetes objects and events, with the incidents
/// expected at given times. The default pack's tests sit beside it as `*_test.yaml`.
public struct RuleTestFile: Sendable {
    public struct Expectation: Sendable, Equatable, CustomStringConvertible {
        public var workload: String
        public var namespace: String
        public var cause: String
        /// The first proposal's action, or nil for none.
        public var action: String?

        public var description: String {
            "\(namespace.isEmpty ? "" : namespace + " ")\(workload) cause=\(cause) action=\(action ?? "none")"
        }
    }

    public struct Case: Sendable {
        public var name: String
        public var interval: Double
        public var history: MetricHistory
        /// The objects and events, as JSON objects (kept as text: `[String: Any]` is not Sendable).
        public var objects: [Data]
        public var events: [Data]
        /// Seconds from the start → the incidents expected then, in rank order.
        public var expected: [(at: Double, incidents: [Expectation])]
    }

    public var ruleFiles: [String]
    public var cases: [Case]

    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var errors: [String]
        public var description: String { errors.joined(separator: "\n") }
    }

    public static func load(_ path: String) throws(LoadError) -> RuleTestFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(errors: ["\(path): cannot read the file"])
        }
        let root: Node?
        do {
            root = try YAMLDocument.compose(YAMLDocument.text(data, file: path), file: path)
        } catch {
            throw LoadError(errors: [error.message])
        }
        let reader = ConfigReader(file: path)
        var file = RuleTestFile(ruleFiles: [], cases: [])
        if let root {
            let fields = reader.fields(root, "", allowed: ["rule_files", "evaluation_interval", "tests"])
            let directory = PathSplit.directory(of: path)
            file.ruleFiles = (fields["rule_files"].map { reader.strings($0, "rule_files") } ?? []).map {
                $0.hasPrefix("/") || directory.isEmpty ? $0 : "\(directory)/\($0)"
            }
            // Each test's default interval, as promtool's (a minute when not given).
            let interval = fields["evaluation_interval"].flatMap { reader.seconds($0, "evaluation_interval") } ?? 60
            let tests = fields["tests"].map { reader.list($0, "tests") } ?? []
            file.cases = tests.enumerated().compactMap {
                readCase($0.element, "tests[\($0.offset)]", interval: interval, reader)
            }
        }
        guard reader.errors.isEmpty else { throw LoadError(errors: reader.errors) }
        return file
    }

    private static func readCase(_ node: Node, _ path: String, interval: Double, _ reader: ConfigReader) -> Case? {
        let fields = reader.fields(
            node,
            path,
            allowed: ["name", "interval", "input_series", "objects", "events", "expected_incidents"]
        )
        let interval = fields["interval"].flatMap { reader.seconds($0, "\(path).interval") } ?? interval
        var history = MetricHistory()
        let inputs = fields["input_series"].map { reader.list($0, "\(path).input_series") } ?? []
        for (index, item) in inputs.enumerated() {
            let itemPath = "\(path).input_series[\(index)]"
            let series = reader.fields(item, itemPath, allowed: ["series", "values"])
            guard let text = series["series"].flatMap({ reader.string($0, "\(itemPath).series") }),
                let valuesText = series["values"].flatMap({ reader.string($0, "\(itemPath).values") })
            else {
                reader.fail(item, itemPath, "series and values are required")
                continue
            }
            guard let labels = labels(text) else {
                reader.fail(series["series"], "\(itemPath).series", "expected a series like name{label=\"value\"}")
                continue
            }
            let values: [Double?]
            do throws(SeriesNotation.ParseError) {
                values = try SeriesNotation.expand(valuesText)
            } catch {
                reader.fail(series["values"], "\(itemPath).values", error.description)
                continue
            }
            let name = labels["__name__"] ?? ""
            let counter = ["_total", "_bucket", "_count", "_sum"].contains { name.hasSuffix($0) }
            var recorded = MetricHistory.Series(
                labels: labels,
                type: counter ? .counter : .gauge,
                times: [],
                values: []
            )
            for (step, value) in values.enumerated() {
                guard let value else { continue }
                recorded.times.append(Double(step) * interval)
                recorded.values.append(value)
            }
            history.append(recorded)
        }
        let objects = (fields["objects"].map { reader.list($0, "\(path).objects") } ?? []).compactMap(json)
        let events = (fields["events"].map { reader.list($0, "\(path).events") } ?? []).compactMap(json)
        var expected: [(Double, [Expectation])] = []
        let checks = fields["expected_incidents"].map { reader.list($0, "\(path).expected_incidents") } ?? []
        for (index, item) in checks.enumerated() {
            let itemPath = "\(path).expected_incidents[\(index)]"
            let check = reader.fields(item, itemPath, allowed: ["eval_time", "incidents"])
            guard let time = check["eval_time"] else {
                reader.fail(item, itemPath, "eval_time: required")
                continue
            }
            guard let at = reader.seconds(time, "\(itemPath).eval_time", zero: true) else { continue }
            let incidents = (check["incidents"].map { reader.list($0, "\(itemPath).incidents") } ?? []).enumerated()
                .compactMap { offset, node -> Expectation? in
                    let incidentPath = "\(itemPath).incidents[\(offset)]"
                    let parts = reader.fields(
                        node,
                        incidentPath,
                        allowed: ["workload", "namespace", "cause", "action"]
                    )
                    guard let workload = parts["workload"].flatMap({ reader.string($0, "\(incidentPath).workload") }),
                        let cause = parts["cause"].flatMap({ reader.string($0, "\(incidentPath).cause") })
                    else {
                        reader.fail(node, incidentPath, "workload and cause are required")
                        return nil
                    }
                    return Expectation(
                        workload: workload,
                        namespace: parts["namespace"].flatMap { reader.string($0, "\(incidentPath).namespace") } ?? "",
                        cause: cause,
                        action: parts["action"].flatMap {
                            $0.null == nil ? reader.string($0, "\(incidentPath).action") : nil
                        }
                    )
                }
            expected.append((at, incidents))
        }
        guard let name = fields["name"].flatMap({ reader.string($0, "\(path).name") }) else {
            reader.fail(node, path, "name: required")
            return nil
        }
        return Case(
            name: name,
            interval: interval,
            history: history,
            objects: objects,
            events: events,
            expected: expected
        )
    }

    /// `name{a="1", b="2"}` as labels: a selector whose matchers are all equalities.
    static func labels(_ text: String) -> [String: String]? {
        guard let selector = try? SeriesSelector(text), selector.matchers.allSatisfy({ $0.op == .equal }) else {
            return nil
        }
        return Dictionary(selector.matchers.map { ($0.label, $0.value) }, uniquingKeysWith: { $1 })
    }

    /// A YAML mapping as JSON (plain scalars typed as YAML 1.2 types them; quoted ones stay strings).
    static func json(_ node: Node) -> Data? {
        try? JSONSerialization.data(withJSONObject: plain(node))
    }

    private static func plain(_ node: Node) -> Any {
        switch node {
        case .mapping(let mapping):
            return Dictionary(mapping.map { ($0.key.string ?? "", plain($0.value)) }, uniquingKeysWith: { $1 })
        case .sequence(let sequence): return sequence.map(plain)
        case .scalar(let scalar):
            guard scalar.style == .plain else { return scalar.string }
            if node.null != nil { return NSNull() }
            if let value = node.bool { return value }
            if let value = node.int { return value }
            if let value = node.float { return value }
            return scalar.string
        case .alias: return NSNull()
        }
    }
}
