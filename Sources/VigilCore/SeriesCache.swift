/// A handle to one series known to a ``SeriesCache``.
public struct SeriesRef: Hashable, Sendable, Comparable {
    public let index: UInt32

    public static func < (lhs: SeriesRef, rhs: SeriesRef) -> Bool { lhs.index < rhs.index }
}

/// Prometheus's scrape cache: maps the raw bytes of a series as one target writes it
/// (`name{labels}`) to a ``SeriesRef``, so a repeated scrape skips label parsing and allocates nothing.
///
/// Keys live in one byte arena and an open-addressing table of fixed-size slots: a lookup hashes the
/// bytes, probes, and compares bytes; nothing is allocated. Two spellings of one label set (labels in
/// another order, say) are two keys that share one ``SeriesRef``. Each hit stamps the series with the
/// current scrape generation, which yields the series a scrape no longer exposes (staleness).
///
/// Not thread-safe: one cache belongs to one target's scrape loop.
public final class SeriesCache {
    private struct Slot {
        var hash: UInt64 = 0
        var keyOffset: UInt32 = 0
        var keyLength: UInt32 = 0
        /// `SeriesRef.index + 1`; 0 marks an empty slot.
        var refPlusOne: UInt32 = 0
    }

    public let symbols: SymbolTable
    private var slots: [Slot]
    private var mask: Int
    private var occupied = 0
    private var keyArena: [UInt8] = []
    private var labelSets: [LabelSet] = []
    private var refsByLabelSet: [LabelSet: SeriesRef] = [:]
    private var lastSeen: [UInt32] = []
    /// The scrape generation hits are stamped with; see ``beginScrape()``.
    public private(set) var generation: UInt32 = 1

    public init(symbols: SymbolTable = SymbolTable(), expectedSeries: Int = 1024) {
        self.symbols = symbols
        var capacity = 16
        while capacity < expectedSeries * 2 { capacity <<= 1 }
        slots = Array(repeating: Slot(), count: capacity)
        mask = capacity - 1
    }

    /// How many distinct series are known.
    public var seriesCount: Int { labelSets.count }

    /// The labels of a series.
    public func labelSet(of ref: SeriesRef) -> LabelSet { labelSets[Int(ref.index)] }

    /// The series whose raw bytes are `bytes[range]`, or nil when these bytes were never inserted.
    @inline(__always)
    func lookup(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, hash: UInt64) -> SeriesRef? {
        let length = range.count
        let key = UnsafeRawPointer(bytes.baseAddress! + range.lowerBound)
        return slots.withUnsafeBufferPointer { slots in
            keyArena.withUnsafeBytes { arena in
                var position = Int(truncatingIfNeeded: hash) & mask
                while true {
                    let slot = slots[position]
                    if slot.refPlusOne == 0 { return nil }
                    if slot.hash == hash, Int(slot.keyLength) == length,
                        ByteScanning.equal(arena.baseAddress! + Int(slot.keyOffset), key, count: length)
                    {
                        let ref = SeriesRef(index: slot.refPlusOne &- 1)
                        lastSeen.withUnsafeMutableBufferPointer { $0[Int(ref.index)] = generation }
                        return ref
                    }
                    position = (position &+ 1) & mask
                }
            }
        }
    }

    /// Remembers that `bytes[range]` names the series `labels`, returning its reference.
    func insert(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, hash: UInt64, labels: LabelSet) -> SeriesRef {
        let ref: SeriesRef
        if let known = refsByLabelSet[labels] {
            ref = known
        } else {
            ref = SeriesRef(index: UInt32(labelSets.count))
            labelSets.append(labels)
            lastSeen.append(0)
            refsByLabelSet[labels] = ref
        }
        lastSeen[Int(ref.index)] = generation
        if (occupied + 1) * 2 > slots.count { grow() }
        let offset = keyArena.count
        keyArena.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
        place(Slot(hash: hash, keyOffset: UInt32(offset), keyLength: UInt32(range.count), refPlusOne: ref.index + 1))
        occupied += 1
        return ref
    }

    private func place(_ slot: Slot) {
        var position = Int(truncatingIfNeeded: slot.hash) & mask
        while slots[position].refPlusOne != 0 { position = (position + 1) & mask }
        slots[position] = slot
    }

    private func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        for slot in old where slot.refPlusOne != 0 { place(slot) }
    }

    /// Starts a new scrape: series looked up or inserted from now on count as seen in it.
    public func beginScrape() {
        generation &+= 1
    }

    /// Series seen in the previous scrape but not in the current one: the ones to mark stale.
    public func seriesGoneStale() -> [SeriesRef] {
        var gone: [SeriesRef] = []
        for (index, seen) in lastSeen.enumerated() where seen == generation &- 1 {
            gone.append(SeriesRef(index: UInt32(index)))
        }
        return gone
    }
}
