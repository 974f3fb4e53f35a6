import Testing

@testable import VigilCore

/// The resident-memory reading the memory gate and `vigil bench pipeline` divide by series.
struct ProcessMemoryTests {
    #if os(Linux)
    @Test func residentMemoryGrowsWithPagesTouched() {
        let before = ProcessMemory.residentBytes()
        #expect(before > 1 << 20)
        // 256 MiB written page by page must show (kept alive past the second reading). The reading is the
        // whole process's, and the tests running beside this one free memory too: with 64 MiB written it
        // once read 14 MiB less than written, so the margin is 64 MiB.
        let pages = [UInt8](repeating: 1, count: 256 << 20)
        let after = ProcessMemory.residentBytes()
        #expect(after - before >= 192 << 20)
        #expect(pages[pages.count - 1] == 1)
    }
    #endif
}
