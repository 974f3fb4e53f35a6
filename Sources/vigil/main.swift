import VigilCLI

#if canImport(Glibc)
import CMalloc
import Glibc

// One malloc arena for the whole process. glibc gives each thread that allocates its own arena, and
// memory freed into one is not reused by another: a scrape parsed on the HTTP thread and ingested on
// a concurrency thread kept 11.6 MB more resident at 100k series in a same-run A/B. The hot paths
// allocate nothing per sample, so the shared arena's lock is not contended.
_ = mallopt(M_ARENA_MAX, 1)
#elseif canImport(Darwin)
import Darwin
#endif

exit(await VigilCommand.run(Array(CommandLine.arguments.dropFirst())))
