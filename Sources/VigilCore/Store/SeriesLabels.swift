/// The label sets of a store's series, back to back in one buffer, and an index from a label set to its
/// series.
///
/// A ``LabelSet`` of its own per series cost 97 bytes at kube-state-metrics's seven labels (an array's
/// 32-byte header and malloc's rounding around 56 bytes of symbol pairs), and a `[LabelSet: StoreRef]`
/// index 32 more (a key, a value and a dictionary's slack). Here a series costs its pairs, a 4-byte end
/// offset and 4 to 8 bytes of index: the slot array below holds series numbers only, and a probe
/// compares the label set sought with the stored pairs.
///
/// Series are numbered in the order they were added; ``compact(keeping:)`` keeps that order.
struct SeriesLabels {
    /// Every series's labels, the first series's first.
    private var pairs: ContiguousArray<LabelSet.Label> = []
    /// Where each series's labels end in `pairs`; they start where the previous series's end.
    private var ends: ContiguousArray<UInt32> = []
    /// Open addressing with linear probing, at most three quarters full: a series number + 1, 0 for
    /// an empty slot. Rebuilt, never deleted from: series leave only by ``compact(keeping:)``.
    private var slots: ContiguousArray<UInt32> = ContiguousArray(repeating: 0, count: 16)

    var count: Int { ends.count }

    /// The labels of series `index`.
    func labels(at index: Int) -> LabelSet {
        LabelSet(sortedLabels: Array(pairs[range(of: index)]))
    }

    /// Every series's labels, back to back.
    var allPairs: ContiguousArray<LabelSet.Label> { pairs }

    /// The number of the series with these labels, if there is one.
    func index(of labels: LabelSet) -> Int? {
        let mask = slots.count - 1
        var slot = Self.hash(labels.labels[...]) & mask
        while slots[slot] != 0 {
            let index = Int(slots[slot] - 1)
            if pairs[range(of: index)].elementsEqual(labels.labels) { return index }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Adds a series with labels no series has yet; returns its number.
    mutating func append(_ labels: LabelSet) -> Int {
        pairs.append(contentsOf: labels.labels)
        ends.append(UInt32(pairs.count))
        let index = ends.count - 1
        if ends.count * 4 > slots.count * 3 {
            rebuildIndex()
        } else {
            insert(index)
        }
        return index
    }

    /// Keeps the series `keep` accepts, in order, numbered from 0 again.
    mutating func compact(keeping keep: (Int) -> Bool) {
        var kept = 0
        var written = 0
        var start = 0
        for index in 0..<ends.count {
            let end = Int(ends[index])
            defer { start = end }
            guard keep(index) else { continue }
            for offset in start..<end {
                pairs[written] = pairs[offset]
                written += 1
            }
            ends[kept] = UInt32(written)
            kept += 1
        }
        pairs.removeLast(pairs.count - written)
        ends.removeLast(ends.count - kept)
        rebuildIndex()
    }

    private func range(of index: Int) -> Range<Int> {
        (index == 0 ? 0 : Int(ends[index - 1]))..<Int(ends[index])
    }

    private mutating func insert(_ index: Int) {
        let mask = slots.count - 1
        var slot = Self.hash(pairs[range(of: index)]) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = UInt32(index + 1)
    }

    /// Sizes the slots for the series held (at most half full after a rebuild) and places every series.
    private mutating func rebuildIndex() {
        var size = 16
        while size < ends.count * 2 { size <<= 1 }
        slots = ContiguousArray(repeating: 0, count: size)
        for index in 0..<ends.count { insert(index) }
    }

    private static func hash(_ labels: ArraySlice<LabelSet.Label>) -> Int {
        var hasher = Hasher()
        hasher.combine(labels.count)
        for label in labels {
            hasher.combine(label.name.id)
            hasher.combine(label.value.id)
        }
        return hasher.finalize()
    }
}
