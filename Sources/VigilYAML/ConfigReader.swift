public import Yams

/// Walks a YAML document node by node, collecting every error with its `file:line:column` and the
/// dotted path of the field (`scrape_configs[0].scrape_interval`), so a bad file is refused whole with
/// all of its problems listed at once.
public final class ConfigReader {
    public let file: String
    private var found: [(line: Int, column: Int, message: String)] = []

    /// The errors in the order of the file.
    public var errors: [String] {
        found.sorted { ($0.line, $0.column) < ($1.line, $1.column) }.map(\.message)
    }

    public init(file: String) { self.file = file }

    public func fail(_ node: Node?, _ path: String, _ message: String) {
        let line = node?.mark?.line ?? 1
        let column = node?.mark?.column ?? 1
        found.append((line, column, "\(file):\(line):\(column): \(path.isEmpty ? "" : path + ": ")\(message)"))
    }

    /// The fields of a mapping, refusing (and reporting) keys outside `allowed` and repeated keys.
    public func fields(_ node: Node, _ path: String, allowed: [String]) -> [String: Node] {
        guard let mapping = node.mapping else {
            fail(node, path, "expected a mapping of \(allowed.joined(separator: ", "))")
            return [:]
        }
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                fail(key, path, "a key must be a plain string")
                continue
            }
            let fieldPath = path.isEmpty ? name : "\(path).\(name)"
            if !allowed.contains(name) {
                fail(key, fieldPath, "unknown field (known: \(allowed.joined(separator: ", ")))")
            } else if fields[name] != nil {
                fail(key, fieldPath, "given twice")
            } else {
                fields[name] = value
            }
        }
        return fields
    }

    public func string(_ node: Node, _ path: String) -> String? {
        guard let scalar = node.scalar else {
            fail(node, path, "expected a string")
            return nil
        }
        return scalar.string
    }

    public func bool(_ node: Node, _ path: String) -> Bool? {
        guard let value = node.bool else {
            fail(node, path, "expected true or false, got \(describe(node))")
            return nil
        }
        return value
    }

    /// A whole number ≥ 0 written in decimal (`_` may group digits). Not `Node.int`: Yams reads
    /// `1:30` as a base-60 number and traps when one overflows (`99999999999:99999999999:…`).
    public func count(_ node: Node, _ path: String) -> Int? {
        let digits = node.scalar.map { $0.style == .plain ? $0.string.filter { $0 != "_" } : "" } ?? ""
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = Int(digits)
        else {
            fail(node, path, "expected a whole number ≥ 0, got \(describe(node))")
            return nil
        }
        return value
    }

    /// A duration in seconds, above zero (or zero where `zero` allows it: `for: 0s`, promtool's
    /// `eval_time: 0s`, which Prometheus takes; an interval or a timeout of zero means nothing) and at
    /// most ``DurationSyntax/maximumSeconds`` (100 years).
    public func seconds(_ node: Node, _ path: String, zero: Bool = false) -> Double? {
        switch node.scalar.map({ DurationSyntax.readSeconds($0.string) }) ?? .invalid {
        case .value(let seconds) where seconds > 0 || (zero && seconds == 0):
            return seconds
        case .tooLarge:
            fail(node, path, "\(describe(node)) is out of range: at most 100y")
        default:
            fail(node, path, "expected a duration like 15s, 1m or 1h30m, got \(describe(node))")
        }
        return nil
    }

    /// A size in bytes, at most ``DurationSyntax/maximumBytes`` (1 EiB).
    public func bytes(_ node: Node, _ path: String) -> Int? {
        switch node.scalar.map({ DurationSyntax.readBytes($0.string) }) ?? .invalid {
        case .value(let bytes):
            return bytes
        case .tooLarge:
            fail(node, path, "\(describe(node)) is out of range: at most 1EB")
        case .invalid:
            fail(node, path, "expected a size like 10MB, 512KB or 0 (unlimited), got \(describe(node))")
        }
        return nil
    }

    public func list(_ node: Node, _ path: String) -> [Node] {
        guard let sequence = node.sequence else {
            fail(node, path, "expected a list")
            return []
        }
        return Array(sequence)
    }

    public func strings(_ node: Node, _ path: String) -> [String] {
        list(node, path).enumerated().compactMap { string($0.element, "\(path)[\($0.offset)]") }
    }

    public func stringMap(_ node: Node, _ path: String) -> [String: String] {
        guard let mapping = node.mapping else {
            fail(node, path, "expected a mapping of names to strings")
            return [:]
        }
        var map: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string, let text = string(value, "\(path).\(key.scalar?.string ?? "?")")
            else { continue }
            map[name] = text
        }
        return map
    }

    private func describe(_ node: Node) -> String {
        if let text = node.scalar?.string { return "\"\(text)\"" }
        return node.mapping != nil ? "a mapping" : "a list"
    }
}

extension ConfigReader {
    /// Composes `yaml` (from `file`) and hands its root to `read`: every error found, composing included,
    /// or empty when the document reads clean (an empty document reads clean, with nothing read).
    public static func read(_ yaml: String, file: String, _ read: (Node, ConfigReader) -> Void) -> [String] {
        let root: Node?
        do {
            root = try YAMLDocument.compose(yaml, file: file)
        } catch {
            return [error.message]
        }
        guard let root else { return [] }
        let reader = ConfigReader(file: file)
        read(root, reader)
        return reader.errors
    }
}

extension Node {
    /// Whether this is YAML's null or an empty string: a field Go's YAML decoder leaves at its zero value,
    /// as if it were not given (`basic_auth_users:` with nothing after it, `cert_file: ""`).
    public var isEmptyValue: Bool {
        guard let scalar else { return false }
        return scalar.string.isEmpty || scalar.style == .plain && ["~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
