import VigilCLI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

exit(await VigilCommand.run(Array(CommandLine.arguments.dropFirst())))
