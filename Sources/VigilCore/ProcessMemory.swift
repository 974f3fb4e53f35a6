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
        let descriptor = open("/proc/self/status", O_RDONLY)
        guard descriptor >= 0 else { return 0 }
        defer { close(descriptor) }
        var status: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            status += chunk[..<count]
        }
        let line = String(decoding: status, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        let kilobytes = line?.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return kilobytes * 1024
        #else
        return 0
        #endif
    }
}
