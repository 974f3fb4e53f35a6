public import Yams

/// A YAML text composed into nodes that remember their line and column, or the syntax error with
/// `file:line:column:` in front, for every reader of Vigil's YAML files (configuration, rules, tests).
public enum YAMLDocument {
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The most nodes that aliases (`*name`) may add to a document, counting each use of an alias as a
    /// copy of what its anchor names. Composing shares an anchored node between its uses, but every reader
    /// walks each use: ten nested levels of ten aliases each are 10¹⁰ nodes in a few hundred bytes (a
    /// "billion laughs"). A document written out in full is never refused, however long; only
    /// repetition through aliases is bounded.
    public static let maximumAliasedNodes = 100_000

    /// A YAML file's bytes as text: UTF-8, as YAML must be, else the place of the first byte that is not
    /// (decoding would replace it with U+FFFD, and a selector or a name holding one silently matches
    /// nothing).
    public static func text(_ bytes: some Collection<UInt8>, file: String) throws(SyntaxError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var (offset, line, column) = (0, 1, 1)
        while case .scalarValue(let scalar) = decoder.decode(&iterator) {
            offset += UTF8.width(scalar)
            (line, column) = scalar == "\n" ? (line + 1, 1) : (line, column + 1)
        }
        let byte = bytes.dropFirst(offset).first ?? 0
        throw SyntaxError(
            message: "\(file):\(line):\(column): not UTF-8 text (byte 0x\(String(byte, radix: 16, uppercase: true)))"
        )
    }

    /// The document's root node, or nil for an empty document.
    public static func compose(_ yaml: String, file: String) throws(SyntaxError) -> Node? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch YamlError.duplicatedKeysInMapping(let keys, let context) {
            throw SyntaxError(message: duplicates(keys, first: context.mark, in: yaml, file: file))
        } catch let error as YamlError {
            throw SyntaxError(message: "\(file):\(site(error)) \(problem(error))")
        } catch {
            throw SyntaxError(message: "\(file): \(error)")
        }
        if let root {
            var count = NodeCount()
            if count.expandedSize(root) - count.written > maximumAliasedNodes {
                throw SyntaxError(
                    message: "\(file): aliases repeat more than \(maximumAliasedNodes) nodes of the "
                        + "\(count.written) written; write the repeated parts out or repeat them less"
                )
            }
        }
        return root
    }

    /// Counts a composed document's nodes in time proportional to what was written: an alias's node is
    /// the anchored node itself, with the same kind and position, so its expanded size is counted once.
    private struct NodeCount {
        /// Sizes saturate here, far above any bound, so that counting cannot overflow.
        static let ceiling = 1 << 40

        struct Site: Hashable {
            var line: Int
            var column: Int
            var kind: UInt8
        }

        private var sizes: [Site: Int] = [:]
        private var seen: Set<Site> = []
        /// Distinct nodes, as written in the text.
        var written: Int { seen.count }

        mutating func expandedSize(_ node: Node) -> Int {
            let kind: UInt8 =
                switch node {
                case .scalar, .alias: 0
                case .mapping: 1
                case .sequence: 2
                }
            let site = Site(line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, kind: kind)
            seen.insert(site)
            if let size = sizes[site] { return size }
            var size = 1
            switch node {
            case .scalar, .alias: return 1
            case .mapping(let mapping):
                for (key, value) in mapping {
                    size = min(Self.ceiling, size + expandedSize(key) + expandedSize(value))
                }
            case .sequence(let sequence):
                for child in sequence { size = min(Self.ceiling, size + expandedSize(child)) }
            }
            sizes[site] = size
            return size
        }
    }

    /// Each key a mapping repeats, at its repetition where the text shows it, as yaml.v2 (Prometheus)
    /// reports one: `file:2:1: key "listen" already set in this mapping (first at line 1)`. Never Yams's own
    /// message, which quotes the whole document — secrets and all — into a log line or a reload's answer.
    /// Yams gives one mark, a repeated key's first place, so the mapping is found around it: a block
    /// mapping's keys share its column (the first after a sequence's `- `), and it ends at the first line
    /// less indented. Where the text does not show two (a flow mapping), the mark alone is given.
    private static func duplicates(_ keys: [String], first: Mark, in yaml: String, file: String) -> String {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init)
        let column = max(0, first.column - 1)
        let anchor = min(max(0, first.line - 1), lines.count - 1)
        /// Where a line's text starts; nil for a blank or comment line.
        func indent(_ line: [Character]) -> Int? {
            guard let start = line.firstIndex(where: { $0 != " " }), line[start] != "#" else { return nil }
            return start
        }
        /// The line opens the mapping as a sequence's item: `- ` just before its column.
        func opensItem(_ line: [Character]) -> Bool {
            column >= 2 && line.count > column && line[column - 2] == "-" && line[column - 1] == " "
                && line[..<(column - 2)].allSatisfy { $0 == " " }
        }
        var top = anchor
        while top > 0, !opensItem(lines[top]) {
            if let at = indent(lines[top - 1]), at < column, !opensItem(lines[top - 1]) { break }
            top -= 1
        }
        var bottom = anchor
        while bottom + 1 < lines.count {
            if let at = indent(lines[bottom + 1]), at < column { break }
            bottom += 1
        }
        /// The key a line of the mapping writes at its column, plain or quoted; nil for any other line.
        func key(_ line: [Character]) -> String? {
            guard line.count > column, line[..<column].allSatisfy({ $0 == " " }) || opensItem(line) else {
                return nil
            }
            let name: String
            let colon: Int
            if line[column] == "\"" || line[column] == "'" {
                guard let close = line[(column + 1)...].firstIndex(of: line[column]) else { return nil }
                name = String(line[(column + 1)..<close])
                guard let at = line[(close + 1)...].firstIndex(where: { $0 != " " && $0 != "\t" }), line[at] == ":"
                else { return nil }
                colon = at
            } else {
                guard let at = line[column...].firstIndex(of: ":") else { return nil }
                var last = at
                while last > column, line[last - 1] == " " || line[last - 1] == "\t" { last -= 1 }
                name = String(line[column..<last])
                colon = at
            }
            return colon + 1 == line.count || line[colon + 1] == " " || line[colon + 1] == "\t" ? name : nil
        }
        // One pass over the mapping, however many keys repeat: a file of thousands cannot make it quadratic.
        let repeated = Set(keys)
        var places: [String: [Int]] = [:]
        for index in top...bottom {
            if let name = key(lines[index]), repeated.contains(name) { places[name, default: []].append(index) }
        }
        return keys.map { key in
            guard let places = places[key], places.count >= 2 else {
                return "\(file):\(first.line):\(first.column): key \"\(key)\" written more than once in this mapping; "
                    + "each key may appear once"
            }
            return "\(file):\(places[1] + 1):\(column + 1): key \"\(key)\" already set in this mapping (first at line "
                + "\(places[0] + 1)); each key may appear once"
        }
        .joined(separator: "\n")
    }

    private static func site(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            "\(mark.line):\(mark.column):"
        default: ""
        }
    }

    private static func problem(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
            .composer(let context, let problem, _, _):
            [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        // Yams's description of a reader error quotes the offending line, which may hold a secret.
        case .reader(let problem, let offset, _, _): problem + (offset.map { " at byte \($0)" } ?? "")
        default: "\(error)"
        }
    }
}
