import VigilCLI
import VigilCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Before anything allocates from another thread (ProcessMemory.useOneArena says why).
ProcessMemory.useOneArena()

exit(await VigilCommand.run(Array(CommandLine.arguments.dropFirst())))
