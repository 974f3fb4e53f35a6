import ArgumentParser
import Testing

@testable import VigilCLI

/// `--help` as a terminal shows it: the parser wraps each paragraph of a discussion to the terminal's
/// width and keeps every line break it is given, so a break inside a paragraph left a line of a word or
/// two at every source line's end.
struct HelpTextTests {
    static func commands(_ command: any ParsableCommand.Type) -> [any ParsableCommand.Type] {
        [command] + command.configuration.subcommands.flatMap(commands)
    }

    @Test func discussionsBreakOnlyBetweenParagraphsAndBeforeExamples() {
        for command in Self.commands(VigilCommand.self) {
            let lines = command.configuration.discussion.split(separator: "\n", omittingEmptySubsequences: false)
            for (line, next) in zip(lines, lines.dropFirst())
            where !line.isEmpty && !line.hasPrefix(" ") && !next.isEmpty && !next.hasPrefix(" ") && !next.hasPrefix("-")
            {
                Issue.record("\(command._commandName): a line break inside a paragraph after \"\(line)\"")
            }
        }
    }
}
