#if canImport(CMalloc)
import CMalloc
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The process's memory as glibc's malloc and the kernel keep it: what `vigil run` tunes at start and
/// trims after its series count changed, and what `vigil bench pipeline` and the benchmark suite's
/// memory gate measure the same way. Every call does nothing (reads 0) off glibc.
public enum ProcessMemory {
    /// One malloc arena for the whole process. glibc gives each thread that allocates its own arena, and
    /// memory freed into one is not reused by another: a scrape parsed on the HTTP thread and ingested on
    /// a concurrency thread kept 11.6 MB more resident at 100k series in a same-run A/B. The hot paths
    /// allocate nothing per sample, so the shared arena's lock is not contended. Call it first thing.
    public static func useOneArena() {
        #if canImport(CMalloc)
        _ = mallopt(M_ARENA_MAX, 1)
        #endif
    }

    /// Returns every free page to the kernel now. It walks the heap: for after the heap changed shape
    /// (new series learnt), not for every scrape.
    public static func trim() {
        #if canImport(CMalloc)
        _ = malloc_trim(0)
        #endif
    }

    /// Resident memory (VmRSS of /proc/self/status), in bytes; 0 where the kernel does not say.
    public static func residentBytes() -> Int {
        #if canImport(Glibc)
        guard let status = fopen("/proc/self/status", "r") else { return 0 }
        defer { fclose(status) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, status) > 0, let line {
            let text = String(cString: line)
            guard text.hasPrefix("VmRSS:") else { continue }
            return (text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0) * 1024
        }
        return 0
        #else
        return 0
        #endif
    }
}
