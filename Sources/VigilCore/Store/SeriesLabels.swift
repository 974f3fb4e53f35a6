/// The label sets of a store's series, back to back in one buffer, and an index from a label set to its
/// series.
///
/// A ``LabelSet`` of its own per series cost 97 bytes at kube-state-metrics's seven labels (an array's
/// 32-byte header and malloc's rounding around 56 bytes of symbol pairs), and a `[LabelSet: StoreRef]`
/// index 32 more (a key, a value and a dictionary's slack). Here a series costs its pairs, a 4-byte end
/// offset and 5 to 16 bytes of index (``HashSlots``: series numbers only; a probe compares the label set
/// sought with the stored pairs).
///
/// Series are numbered in the order they were added; ``compact(keeping:)`` keeps that order.
struct SeriesLabels {
    /// Every series's labels, the first series's first.
    private var pairs: ContiguousArray<LabelSet.Label> = []
    /// Where each series's labels end in `pairs`; they start where the previous series's end.
    private var ends: ContiguousArray<UInt32> = []
    /// Series numbers by the hash of their labels.
    private var index = HashSlots()

    var count: Int { ends.count }

    /// The labels of series `number`, as a label set of their own.
    func labels(at number: Int) -> LabelSet {
        LabelSet(sortedLabels: Array(storedPairs(at: number)))
    }

    /// The labels of series `number` where they are stored: no copy (`/metrics` reads every series's).
    func storedPairs(at number: Int) -> ArraySlice<LabelSet.Label> {
        pairs[Self.range(of: number, ends)]
    }

    /// Every series's labels, back to back.
    var allPairs: ContiguousArray<LabelSet.Label> { pairs }

    /// The number of the series with these labels, if there is one.
    func index(of labels: LabelSet) -> Int? {
        index.first(hash: Self.hash(labels.labels[...])) {
            pairs[Self.range(of: $0, ends)].elementsEqual(labels.labels)
        }
    }

    /// Adds a series with labels no series has yet; returns its number.
    mutating func append(_ labels: LabelSet) -> Int {
        pairs.append(contentsOf: labels.labels)
        ends.append(UInt32(pairs.count))
        let number = ends.count - 1
        let (pairs, ends) = (self.pairs, self.ends)
        index.insert(number, hash: Self.hash(labels.labels[...])) { Self.hash(of: $0, pairs, ends) }
        return number
    }

    /// Keeps the series `keep` accepts, in order, numbered from 0 again.
    mutating func compact(keeping keep: (Int) -> Bool) {
        var kept = 0
        var written = 0
        var start = 0
        for number in 0..<ends.count {
            let end = Int(ends[number])
            defer { start = end }
            guard keep(number) else { continue }
            for offset in start..<end {
                pairs[written] = pairs[offset]
                written += 1
            }
            ends[kept] = UInt32(written)
            kept += 1
        }
        pairs.removeLast(pairs.count - written)
        ends.removeLast(ends.count - kept)
        let (pairs, ends) = (self.pairs, self.ends)
        index.rebuild(count: kept) { Self.hash(of: $0, pairs, ends) }
    }

    private static func range(of number: Int, _ ends: ContiguousArray<UInt32>) -> Range<Int> {
        (number == 0 ? 0 : Int(ends[number - 1]))..<Int(ends[number])
    }

    private static func hash(
        of number: Int,
        _ pairs: ContiguousArray<LabelSet.Label>,
        _ ends: ContiguousArray<UInt32>
    ) -> Int {
        hash(pairs[range(of: number, ends)])
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
