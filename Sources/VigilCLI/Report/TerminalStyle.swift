import ArgumentParser
import Foundation

/// Colour for a person at a terminal, none for a pipe, a file, `NO_COLOR` (no-color.org) or
/// `TERM=dumb`: ANSI SGR sequences around text, or the text as it is.
struct TerminalStyle: Sendable {
    var colour: Bool

    static let plain = TerminalStyle(colour: false)

    /// Whether to colour standard output, as `ls --color=auto` decides.
    static func detect() -> TerminalStyle {
        detect(isTerminal: isatty(STDOUT_FILENO) == 1, environment: ProcessInfo.processInfo.environment)
    }

    /// Colour only for a terminal, and not when `NO_COLOR` is set to anything (no-color.org) or the
    /// terminal is `dumb`.
    static func detect(isTerminal: Bool, environment: [String: String]) -> TerminalStyle {
        if let noColour = environment["NO_COLOR"], !noColour.isEmpty { return .plain }
        if environment["TERM"] == "dumb" { return .plain }
        return TerminalStyle(colour: isTerminal)
    }

    private func wrap(_ text: String, _ code: String) -> String {
        colour && !text.isEmpty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func bold(_ text: String) -> String { wrap(text, "1") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    func red(_ text: String) -> String { wrap(text, "31") }
    func yellow(_ text: String) -> String { wrap(text, "33") }
    func green(_ text: String) -> String { wrap(text, "32") }
    func cyan(_ text: String) -> String { wrap(text, "36") }
}

/// `--color auto|always|never`: auto colours a terminal only (and never with `NO_COLOR`).
struct ColorOptions: ParsableArguments {
    enum Choice: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }

    @Option(help: "auto (a terminal without NO_COLOR), always or never.")
    var color: Choice = .auto

    var style: TerminalStyle {
        switch color {
        case .auto: .detect()
        case .always: TerminalStyle(colour: true)
        case .never: .plain
        }
    }
}
