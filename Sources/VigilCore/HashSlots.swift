/// An open-addressing index of numbered entries kept elsewhere: each slot holds an entry's number + 1
/// (0 for empty), placed by the entry's hash with linear probing, and a lookup asks the caller whether
/// the entry at a slot is the one sought. It stores no keys: 4 bytes a slot, between 3/8 and 3/4 of
/// them full as it grows (8 to 16 bytes an entry just after a rebuild, at most half full), where a
/// dictionary from a 16-byte key to a number cost 53 bytes an entry at 100,000.
///
/// Entries are only added; the owner rebuilds the index when entries leave or are renumbered.
struct HashSlots {
    private var slots: ContiguousArray<UInt32> = ContiguousArray(repeating: 0, count: 16)
    private(set) var count = 0

    /// The number of the first entry along `hash`'s probe sequence that `matches`, if any.
    @inline(__always)
    func first(hash: Int, where matches: (Int) -> Bool) -> Int? {
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != 0 {
            let number = Int(slots[slot] - 1)
            if matches(number) { return number }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Adds entry `number`; past three quarters full, rebuilds at twice the size with `hash` giving
    /// every entry's hash (entries are numbered 0..<count).
    mutating func insert(_ number: Int, hash: Int, rehash: (Int) -> Int) {
        // A rebuild places entries 0..<count: they must be numbered densely, in order.
        assert(number == count, "entries are added in order: \(number) after \(count)")
        count += 1
        if count * 4 > slots.count * 3 {
            rebuild(count: count, hash: rehash)
        } else {
            place(number, hash: hash)
        }
    }

    /// Indexes entries 0..<count afresh, at most half full.
    mutating func rebuild(count: Int, hash: (Int) -> Int) {
        var size = 16
        while size < count * 2 { size <<= 1 }
        slots = ContiguousArray(repeating: 0, count: size)
        self.count = count
        for number in 0..<count { place(number, hash: hash(number)) }
    }

    private mutating func place(_ number: Int, hash: Int) {
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = UInt32(number + 1)
    }
}
