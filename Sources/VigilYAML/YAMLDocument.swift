public import Yams

/// A YAML text composed into nodes that remember their line and column, or the syntax error with
/// `file:line:column:` in front, for every reader of Vigil's YAML files (configuration, rules, tests).
public enum YAMLDocument {
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The document's root node, or nil for an empty document.
    public static func compose(_ yaml: String, file: String) throws(SyntaxError) -> Node? {
        do {
            return try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw SyntaxError(message: "\(file):\(site(error)) \(problem(error))")
        } catch {
            throw SyntaxError(message: "\(file): \(error)")
        }
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
        default: "\(error)"
        }
    }
}
