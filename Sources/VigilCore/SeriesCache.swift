/// A handle to one series known to a ``SeriesCache``.
public struct SeriesRef: Hashable, Sendable, Comparable {
    public let index: UInt32

    public init(index: UInt32) { self.index = index }

    public static func < (lhs: SeriesRef, rhs: SeriesRef) -> Bool { lhs.index < rhs.index }
}

/// Prometheus's scrape cache: maps the raw bytes of a series as one target writes it
/// (`name{labels}`) to a ``SeriesRef``, so a repeated scrape skips label parsing and allocates nothing.
///
/// Keys are kept in first-seen order, their bytes back to back in one arena. A target writes its series
/// in the same order every scrape, so a lookup first compares against the key after the previous hit:
/// a sequential walk the prefetcher keeps in cache, with no hashing. Only when that guess fails does it
/// hash and probe an open-addressing table (a random memory access, the cost that dominates a naive
/// cache at 100k series). Two spellings of one label set (labels in another order, say) are two keys
/// sharing one ``SeriesRef``. (Which series a scrape no longer exposes is the scraper's business: it
/// stamps the references it gets.)
///
/// Storage is manually managed so the hot path has no reference counting or exclusivity checks.
/// Not thread-safe: one cache belongs to one target's scrape loop. It interns nothing (labels are
/// compared as strings when a series is new), so it shares no state with anything else and a scrape
/// can fill it on the transport's thread.
public final class SeriesCache {
    private struct Key {
        var hash: UInt64
        var offset: Int
        var length: Int
        var ref: UInt32
    }

    private var keys: UnsafeMutablePointer<Key>
    private var keyCount = 0
    private var keyCapacity: Int
    private var arena: UnsafeMutablePointer<UInt8>
    private var arenaCount = 0
    private var arenaCapacity: Int
    /// Open addressing over key indices; `keyIndex + 1`, 0 when empty.
    private var table: UnsafeMutablePointer<UInt32>
    private var tableMask: Int
    /// The key after the previous hit: the first guess for the next lookup.
    private var predicted = 0
    /// Per series: the index of its first key, whose bytes give back its labels. The cache keeps no
    /// label set per series (a series's labels are read again from its key when asked, which happens
    /// once, when the series is new): at 100k series that saves ~13 MB of arrays.
    private var firstKeys: [UInt32] = []
    /// Series by the hash of their sorted labels, to find a known series under a new spelling; a series
    /// whose hash is taken by another (a collision: verified, never assumed) goes to `collidingSeries`.
    private var seriesByLabelHash: [Int: SeriesRef] = [:]
    private var collidingSeries: [[String]: SeriesRef] = [:]

    public init(expectedSeries: Int = 1024) {
        keyCapacity = Swift.max(16, expectedSeries)
        keys = .allocate(capacity: keyCapacity)
        arenaCapacity = keyCapacity * 64
        arena = .allocate(capacity: arenaCapacity)
        var tableSize = 16
        while tableSize < keyCapacity * 2 { tableSize <<= 1 }
        table = .allocate(capacity: tableSize)
        table.initialize(repeating: 0, count: tableSize)
        tableMask = tableSize - 1
    }

    deinit {
        keys.deallocate()
        arena.deallocate()
        table.deallocate()
    }

    /// How many distinct series are known.
    public var seriesCount: Int { firstKeys.count }

    /// How many raw spellings of those series are known.
    public var keyCountForTesting: Int { keyCount }

    /// The labels of a series, `__name__` included, sorted by name as in a ``LabelSet``.
    public func labels(of ref: SeriesRef) -> [(name: String, value: String)] {
        let key = keys[Int(firstKeys[Int(ref.index)])]
        // The key is a series exactly as the exposition wrote it; read it back as a one-sample exposition.
        var line = Array(UnsafeBufferPointer(start: arena + key.offset, count: key.length))
        line.append(contentsOf: " 0\n".utf8)
        var parser = ExpositionParser(bytes: line, format: .prometheusText, limits: ExpositionLimits(maxLineBytes: 0))
        guard (try? parser.next()) == .sample else { return [] }
        return LabelSet.sorted([("__name__", parser.metricName)] + parser.labels)
    }

    /// The series whose raw bytes are `bytes[range]`, or nil when these bytes were never inserted.
    @inline(__always)
    func lookup(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> SeriesRef? {
        let length = range.count
        let key = UnsafeRawPointer(bytes.baseAddress! + range.lowerBound)
        let keys = self.keys
        let arena = UnsafeRawPointer(self.arena)
        let guess = predicted
        if guess < keyCount {
            let candidate = keys[guess]
            if candidate.length == length, ByteScanning.equal(arena + candidate.offset, key, count: length) {
                return hit(guess)
            }
        }
        let hash = ByteScanning.hash(bytes, range)
        let table = self.table
        var position = Int(truncatingIfNeeded: hash) & tableMask
        while true {
            let entry = table[position]
            if entry == 0 { return nil }
            let index = Int(entry &- 1)
            let candidate = keys[index]
            if candidate.hash == hash, candidate.length == length,
                ByteScanning.equal(arena + candidate.offset, key, count: length)
            {
                return hit(index)
            }
            position = (position &+ 1) & tableMask
        }
    }

    @inline(__always)
    private func hit(_ index: Int) -> SeriesRef {
        predicted = index &+ 1
        return SeriesRef(index: keys[index].ref)
    }

    /// Remembers that `bytes[range]` names the series `labels` (sorted by name, `__name__` included),
    /// returning its reference.
    func insert(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        labels: [(name: String, value: String)]
    ) -> SeriesRef {
        let spelled = labels.flatMap { [$0.name, $0.value] }
        let labelHash = spelled.hashValue
        let ref: SeriesRef
        if let candidate = seriesByLabelHash[labelHash],
            self.labels(of: candidate).elementsEqual(labels, by: { $0 == $1 })
        {
            ref = candidate
        } else if let known = collidingSeries[spelled] {
            ref = known
        } else {
            ref = SeriesRef(index: UInt32(firstKeys.count))
            firstKeys.append(UInt32(keyCount))
            if seriesByLabelHash[labelHash] == nil {
                seriesByLabelHash[labelHash] = ref
            } else {
                collidingSeries[spelled] = ref
            }
        }
        if keyCount == keyCapacity { growKeys() }
        if (keyCount + 1) * 2 > tableMask + 1 { growTable() }
        while arenaCount + range.count > arenaCapacity { growArena() }
        (arena + arenaCount).update(from: bytes.baseAddress! + range.lowerBound, count: range.count)
        let hash = ByteScanning.hash(bytes, range)
        keys.advanced(by: keyCount).initialize(
            to: Key(hash: hash, offset: arenaCount, length: range.count, ref: ref.index)
        )
        arenaCount += range.count
        place(keyIndex: keyCount, hash: hash)
        keyCount += 1
        predicted = keyCount
        return ref
    }

    private func place(keyIndex: Int, hash: UInt64) {
        var position = Int(truncatingIfNeeded: hash) & tableMask
        while table[position] != 0 { position = (position + 1) & tableMask }
        table[position] = UInt32(keyIndex + 1)
    }

    private func growKeys() {
        keys = Self.doubled(keys, count: keyCount, capacity: &keyCapacity)
    }

    private func growArena() {
        arena = Self.doubled(arena, count: arenaCount, capacity: &arenaCapacity)
    }

    /// A manually managed buffer of twice the capacity, holding the first `count` elements moved over.
    private static func doubled<Element>(
        _ buffer: UnsafeMutablePointer<Element>,
        count: Int,
        capacity: inout Int
    ) -> UnsafeMutablePointer<Element> {
        let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        grown.moveInitialize(from: buffer, count: count)
        buffer.deallocate()
        capacity *= 2
        return grown
    }

    private func growTable() {
        let size = (tableMask + 1) * 2
        table.deallocate()
        table = .allocate(capacity: size)
        table.initialize(repeating: 0, count: size)
        tableMask = size - 1
        for index in 0..<keyCount { place(keyIndex: index, hash: keys[index].hash) }
    }

    /// Starts a new scrape: the sequential walk starts again at the first key.
    public func beginScrape() {
        predicted = 0
    }
}
