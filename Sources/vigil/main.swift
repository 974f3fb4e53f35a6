#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VigilCLI

exit(await VigilCommand.run(Array(CommandLine.arguments.dropFirst())))
