import Testing

@testable import VigilCore

/// The store's flat label storage and its index, against a dictionary of label sets as the model.
struct SeriesLabelsTests {
    /// Label sets that share symbols and prefixes: a set, the same set with a label more, the same
    /// names with values swapped, the empty set.
    func labelSets(_ count: Int, symbols: SymbolTable) -> [LabelSet] {
        var sets: [LabelSet] = [LabelSet([], symbols: symbols)]
        var generator = SplitMix(state: 7)
        while sets.count < count {
            let width = Int(generator.next() % 5)
            let pairs = (0..<width).map { position in
                (name: "l\(position)", value: "v\(generator.next() % 6)")
            }
            sets.append(LabelSet(pairs, symbols: symbols))
        }
        return sets
    }

    @Test func everyLabelSetIsFoundAtItsNumberAndNoOtherIs() {
        let symbols = SymbolTable()
        var labels = SeriesLabels()
        var model: [LabelSet: Int] = [:]
        for set in labelSets(3_000, symbols: symbols) {
            #expect(labels.index(of: set) == model[set])
            if model[set] == nil { model[set] = labels.append(set) }
        }
        // Past several rebuilds of the index (16 slots at first), with probes running over full clusters.
        #expect(model.count > 500)
        #expect(labels.count == model.count)
        for (set, index) in model {
            #expect(labels.index(of: set) == index)
            #expect(labels.labels(at: index) == set)
        }
        let unseen = LabelSet([("l0", "v0"), ("l9", "never")], symbols: symbols)
        #expect(labels.index(of: unseen) == nil)
    }

    @Test func compactionKeepsOrderAndTheIndex() {
        let symbols = SymbolTable()
        var labels = SeriesLabels()
        var order: [LabelSet] = []
        for set in labelSets(2_000, symbols: symbols) where labels.index(of: set) == nil {
            _ = labels.append(set)
            order.append(set)
        }
        labels.compact { !$0.isMultiple(of: 3) }
        let kept = order.enumerated().filter { !$0.offset.isMultiple(of: 3) }.map(\.element)
        #expect(labels.count == kept.count)
        for (index, set) in kept.enumerated() {
            #expect(labels.labels(at: index) == set)
            #expect(labels.index(of: set) == index)
        }
        for (index, set) in order.enumerated() where index.isMultiple(of: 3) {
            #expect(labels.index(of: set) == nil)
        }
        #expect(Array(labels.allPairs) == kept.flatMap(\.labels))
        // Appending after a compaction numbers on from the kept series.
        #expect(labels.append(order[0]) == kept.count)
        #expect(labels.index(of: order[0]) == kept.count)
    }

    @Test func compactingEverythingAwayLeavesAnEmptyWorkingStore() {
        let symbols = SymbolTable()
        var labels = SeriesLabels()
        let sets = labelSets(50, symbols: symbols)
        for set in Set(sets) { _ = labels.append(set) }
        labels.compact { _ in false }
        #expect(labels.count == 0)
        #expect(labels.allPairs.isEmpty)
        #expect(labels.index(of: sets[1]) == nil)
        #expect(labels.append(sets[1]) == 0)
        #expect(labels.labels(at: 0) == sets[1])
    }
}

/// The key-less index under the store's labels and the series cache's label hashes.
struct HashSlotsTests {
    /// All entries on one hash (one probe chain through every slot), on seven, and spread.
    enum Spread: CaseIterable {
        case one, seven, spread

        func hash(_ number: Int) -> Int {
            switch self {
            case .one: 0
            case .seven: number % 7
            case .spread: number &* 0x9E37_79B9
            }
        }
    }

    @Test(arguments: Spread.allCases)
    func everyEntryIsFoundWhateverItsHashesCollideOn(_ spread: Spread) {
        var slots = HashSlots()
        for number in 0..<500 {
            #expect(slots.first(hash: spread.hash(number)) { $0 == number } == nil)
            slots.insert(number, hash: spread.hash(number), rehash: spread.hash)
        }
        #expect(slots.count == 500)
        for number in 0..<500 {
            #expect(slots.first(hash: spread.hash(number)) { $0 == number } == number)
        }
        #expect(slots.first(hash: spread.hash(500)) { $0 == 500 } == nil)
        // Rebuilt for fewer entries (as after a compaction), the rest are gone.
        slots.rebuild(count: 100, hash: spread.hash)
        #expect(slots.first(hash: spread.hash(99)) { $0 == 99 } == 99)
        #expect(slots.first(hash: spread.hash(100)) { $0 == 100 } == nil)
    }
}
