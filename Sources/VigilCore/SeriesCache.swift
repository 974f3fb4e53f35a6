/// A handle to one series known to a ``SeriesCache``.
public struct SeriesRef: Hashable, Sendable, Comparable {
    public let index: UInt32

    public init(index: UInt32) { self.index = index }

    public static func < (lhs: SeriesRef, rhs: SeriesRef) -> Bool { lhs.index < rhs.index }
}

/// Prometheus's scrape cache: maps the raw bytes of a series as one target writes it
/// (`name{labels}`) to a ``SeriesRef``, so a repeated scrape skips label parsing and allocates nothing.
///
/// A key is the 128-bit ``SeriesKeyHash`` of those bytes and their length — not the bytes, which cost
/// ~150 bytes per series at kube-state-metrics's label counts, and a pass over 15 MB of cold memory per
/// scrape to compare. Two different series of a target would have to agree on 128 bits of a hash under
/// this cache's secret random seeds: for a million series, a chance of about 10⁻²⁷. And every target has
/// a cache of its own, so only a target could ever confuse its own series, which it controls anyway.
/// (Prometheus keeps the bytes, in a Go map of strings.) A cache only learns a key from a line that
/// passed the full lexer, so a key hit vouches for the line's series as the lexer would.
///
/// Keys are kept in first-seen order. A target writes its series in the same order every scrape, so a
/// lookup first compares against the key after the previous hit: a sequential walk. Only when that
/// guess fails does it probe an open-addressing table. Two spellings of one label set (labels in another
/// order, say) are two keys sharing one ``SeriesRef``.
///
/// The labels of a new series are kept until the scrape manager has read them (``labels(of:)``, then
/// ``forgetLabels(of:)``): the store keeps every series's labels, the cache need not.
///
/// Storage is manually managed so the hot path has no reference counting or exclusivity checks.
/// Not thread-safe: one cache belongs to one target's scrape loop. It interns nothing, so it shares no
/// state with anything else and a scrape can fill it on the transport's thread.
public final class SeriesCache {
    private struct Key {
        var hash: SeriesKeyHash.Digest
        var length: UInt32
        var ref: UInt32
    }

    private let hasher = SeriesKeyHash()
    private var keys: UnsafeMutablePointer<Key>
    /// How many raw spellings of those series are known: one each, unless a target re-spells its series
    /// (labels in another order, other blanks), which only a fresh cache forgets.
    public private(set) var keyCount = 0
    private var keyCapacity: Int
    /// Open addressing over key indices; `keyIndex + 1`, 0 when empty.
    private var table: UnsafeMutablePointer<UInt32>
    private var tableMask: Int
    /// The key after the previous hit: the first guess for the next lookup.
    private var predicted = 0
    /// The hash of each series's sorted labels (by ``SeriesRef``), and the series by it: to find a known
    /// series under a new spelling. (A dictionary from the hash to the series cost 53 bytes a series at
    /// 100k series; these, about 26.)
    private var identities: ContiguousArray<SeriesKeyHash.Digest> = []
    private var seriesByIdentity = HashSlots()

    /// How many series (label sets) are known.
    public var seriesCount: Int { identities.count }
    /// The bytes of series whose labels the scrape manager has not read yet, back to back (one block,
    /// released when every label set has been read: no scattered scratch left behind after the first
    /// scrape), and where each series's bytes are.
    private var unreadBytes: [UInt8] = []
    private var unread: [UInt32: Range<Int>] = [:]
    /// The families the body being read declared: the parser notes and reads them.
    var declaredFamilies = DeclaredFamilies()

    public init(expectedSeries: Int = 1024) {
        keyCapacity = Swift.max(16, expectedSeries)
        keys = .allocate(capacity: keyCapacity)
        var tableSize = 16
        while tableSize < keyCapacity * 2 { tableSize <<= 1 }
        table = .allocate(capacity: tableSize)
        table.initialize(repeating: 0, count: tableSize)
        tableMask = tableSize - 1
    }

    deinit {
        keys.deallocate()
        table.deallocate()
    }

    /// The labels of a series until they are forgotten, `__name__` included, sorted by name as in a
    /// ``LabelSet``; nil once forgotten.
    public func labels(of ref: SeriesRef) -> [(name: String, value: String)]? {
        guard let range = unread[ref.index] else { return nil }
        return unreadBytes.withUnsafeBufferPointer { bytes in
            guard let series = ExpositionParser.lexSeries(UnsafeBufferPointer(rebasing: bytes[range])) else {
                return nil
            }
            return LabelSet.sorted([("__name__", series.name)] + series.labels)
        }
    }

    /// Drops the labels of a series once they have been read: the cache does not keep labels.
    public func forgetLabels(of ref: SeriesRef) {
        unread[ref.index] = nil
        if unread.isEmpty {
            unreadBytes = []
            unread = [:]
        }
    }

    /// The series whose raw bytes are `bytes[range]`, or nil when these bytes were never inserted.
    @inline(__always)
    func lookup(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> SeriesRef? {
        let length = UInt32(truncatingIfNeeded: range.count)
        let hash = hasher.hash(UnsafeRawPointer(bytes.baseAddress! + range.lowerBound), count: range.count)
        let keys = self.keys
        let guess = predicted
        if guess < keyCount {
            let candidate = keys[guess]
            if candidate.hash == hash, candidate.length == length { return hit(guess) }
        }
        let table = self.table
        var position = Int(truncatingIfNeeded: hash.low) & tableMask
        while true {
            let entry = table[position]
            if entry == 0 { return nil }
            let index = Int(entry &- 1)
            let candidate = keys[index]
            if candidate.hash == hash, candidate.length == length { return hit(index) }
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
        let identity = Self.identity(of: labels, hasher)
        let ref: SeriesRef
        // The closures read the class's own array: a local copy alive across the append below would
        // make every new series copy it.
        if let known = seriesByIdentity.first(
            hash: Int(truncatingIfNeeded: identity.low),
            where: { self.identities[$0] == identity }
        ) {
            ref = SeriesRef(index: UInt32(known))
        } else {
            ref = SeriesRef(index: UInt32(seriesCount))
            identities.append(identity)
            seriesByIdentity.insert(Int(ref.index), hash: Int(truncatingIfNeeded: identity.low)) {
                Int(truncatingIfNeeded: self.identities[$0].low)
            }
            unread[ref.index] = unreadBytes.count..<(unreadBytes.count + range.count)
            unreadBytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
        }
        if keyCount == keyCapacity { growKeys() }
        if (keyCount + 1) * 2 > tableMask + 1 { growTable() }
        let hash = hasher.hash(UnsafeRawPointer(bytes.baseAddress! + range.lowerBound), count: range.count)
        keys.advanced(by: keyCount).initialize(
            to: Key(hash: hash, length: UInt32(truncatingIfNeeded: range.count), ref: ref.index)
        )
        place(keyIndex: keyCount, hash: hash)
        keyCount += 1
        predicted = keyCount
        return ref
    }

    /// The hash of a label set: names and values each followed by 0xFF, a byte UTF-8 never holds.
    private static func identity(
        of labels: [(name: String, value: String)],
        _ hasher: SeriesKeyHash
    ) -> SeriesKeyHash.Digest {
        var encoded: [UInt8] = []
        for (name, value) in labels {
            encoded.append(contentsOf: name.utf8)
            encoded.append(0xFF)
            encoded.append(contentsOf: value.utf8)
            encoded.append(0xFF)
        }
        return encoded.withUnsafeBytes {
            hasher.hash($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, count: $0.count)
        }
    }

    private func place(keyIndex: Int, hash: SeriesKeyHash.Digest) {
        var position = Int(truncatingIfNeeded: hash.low) & tableMask
        while table[position] != 0 { position = (position + 1) & tableMask }
        table[position] = UInt32(keyIndex + 1)
    }

    private func growKeys() {
        let grown = UnsafeMutablePointer<Key>.allocate(capacity: keyCapacity * 2)
        grown.moveInitialize(from: keys, count: keyCount)
        keys.deallocate()
        keys = grown
        keyCapacity *= 2
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
