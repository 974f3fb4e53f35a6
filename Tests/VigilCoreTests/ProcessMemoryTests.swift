import Testing

@testable import VigilCore

/// The resident-memory reading the memory gate and `vigil bench pipeline` divide by series.
struct ProcessMemoryTests {
    #if os(Linux)
    @Test func residentMemoryGrowsWithPagesTouched() {
        let before = ProcessMemory.residentBytes()
        #expect(before > 1 << 20)
        // 64 MiB written page by page must show (kept alive past the second reading).
        let pages = [UInt8](repeating: 1, count: 64 << 20)
        let after = ProcessMemory.residentBytes()
        #expect(after - before >= 48 << 20)
        #expect(pages[pages.count - 1] == 1)
    }
    #endif
}
