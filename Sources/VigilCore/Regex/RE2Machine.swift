/// Go's Pike VM (`regexp/exec.go`): every thread of the program advances one code point at a time, in
/// priority order, and at most one thread stands at each instruction, so a match takes time linear in the
/// text's length times the program's, whatever the pattern (`(a?){25}a{25}`, `(a|aa)*b` included) —
/// where a backtracking matcher can take time exponential in the text's length.
///
/// Leftmost-first, as Go: the match found first in priority order wins, and the threads behind it are cut.
/// Works on the text's UTF-8 bytes, a code point at a time, as Go matches runes; positions are byte offsets.
enum RE2Machine {
    /// The first `slotCount` capture slots of the first match (byte offsets, -1 for a group that took no
    /// part), two a group, the whole match first; or nil without a match. With `slotCount` 0, an empty
    /// array for a match, found as soon as one is.
    static func run(_ program: RE2Program, on text: UnsafeBufferPointer<UInt8>, slotCount: Int) -> [Int]? {
        let context = Context(program: program, text: text)
        var current = ThreadList(size: program.instructions.count, slotCount: slotCount)
        var next = ThreadList(size: program.instructions.count, slotCount: slotCount)
        var scratch = [Int](repeating: -1, count: slotCount)
        var stack: [ThreadList.Step] = []
        var found: [Int]?
        var offset = 0
        while true {
            if current.isEmpty, found != nil || (program.anchoredAtStart && offset > 0) { break }
            if found == nil, offset == 0 || !program.anchoredAtStart {
                // The lowest priority: a match starting here loses to any that started earlier.
                for slot in scratch.indices { scratch[slot] = -1 }
                current.add(0, at: offset, context, &scratch, &stack)
            }
            let decoded = context.scalar(at: offset)
            next.clear()
            var index = 0
            stepping: while index < current.count {
                let pc = current.instruction(at: index)
                if case .match = program.instructions[pc] {
                    guard slotCount > 0 else { return [] }
                    found = current.slots(at: index)
                    break stepping  // the threads after this one have a lower priority: cut them
                }
                if let decoded, program.consumes(pc, decoded.value) {
                    if slotCount > 0 { current.copySlots(at: index, into: &scratch) }
                    next.add(pc + 1, at: offset + decoded.width, context, &scratch, &stack)
                }
                index += 1
            }
            guard let decoded else { break }
            swap(&current, &next)
            offset += decoded.width
        }
        return found
    }

    /// The program and the text, and what the text holds at a position.
    struct Context {
        let program: RE2Program
        let text: UnsafeBufferPointer<UInt8>

        /// The code point that starts at `offset` and its length in bytes; nil at the end. The text is a
        /// Swift string's, so its UTF-8 is valid.
        func scalar(at offset: Int) -> (value: UInt32, width: Int)? {
            guard offset < text.count else { return nil }
            let lead = UInt32(text[offset])
            func continuation(_ index: Int) -> UInt32 { UInt32(text[offset + index]) & 0x3F }
            switch lead {
            case ..<0x80: return (lead, 1)
            case ..<0xE0: return ((lead & 0x1F) << 6 | continuation(1), 2)
            case ..<0xF0: return ((lead & 0x0F) << 12 | continuation(1) << 6 | continuation(2), 3)
            default: return ((lead & 0x07) << 18 | continuation(1) << 12 | continuation(2) << 6 | continuation(3), 4)
            }
        }

        func holds(_ assertion: RE2Assertion, at offset: Int) -> Bool {
            switch assertion {
            case .beginText: return offset == 0
            case .endText: return offset == text.count
            case .beginLine: return offset == 0 || text[offset - 1] == 0x0A
            case .endLine: return offset == text.count || text[offset] == 0x0A
            case .wordBoundary, .notWordBoundary:
                // ASCII word characters only, as Go's `\b`: a byte of a longer code point is none.
                let before = offset > 0 && Self.isWordByte(text[offset - 1])
                let after = offset < text.count && Self.isWordByte(text[offset])
                return (before != after) == (assertion == .wordBoundary)
            }
        }

        static func isWordByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "_"):
                true
            default: false
            }
        }
    }

    /// The instructions threads stand at, in priority order, as a sparse set (one entry per instruction
    /// at most), and the capture slots of those that consume or match.
    struct ThreadList {
        enum Step {
            case visit(Int)
            case restore(slot: Int, value: Int)
        }

        private var sparse: [Int32]
        private var dense: [Int32] = []
        /// Per dense entry: its row in `rows`, or -1 for an instruction that holds no thread.
        private var rowOf: [Int32] = []
        private var rows: [Int] = []
        private let slotCount: Int

        init(size: Int, slotCount: Int) {
            sparse = [Int32](repeating: 0, count: size)
            dense.reserveCapacity(min(size, 64))
            self.slotCount = slotCount
        }

        var count: Int { dense.count }
        var isEmpty: Bool { dense.isEmpty }

        func instruction(at index: Int) -> Int { Int(dense[index]) }

        func slots(at index: Int) -> [Int] {
            let row = Int(rowOf[index]) * slotCount
            return Array(rows[row..<(row + slotCount)])
        }

        func copySlots(at index: Int, into scratch: inout [Int]) {
            let row = Int(rowOf[index]) * slotCount
            for slot in 0..<slotCount { scratch[slot] = rows[row + slot] }
        }

        mutating func clear() {
            dense.removeAll(keepingCapacity: true)
            rowOf.removeAll(keepingCapacity: true)
            rows.removeAll(keepingCapacity: true)
        }

        private func contains(_ pc: Int) -> Bool {
            let index = Int(sparse[pc])
            return index < dense.count && Int(dense[index]) == pc
        }

        /// Adds the thread at `pc` and every instruction it reaches without consuming, in priority order
        /// (Go's `add`), with an explicit stack: a long chain of splits needs no deep call stack.
        /// `scratch` holds the thread's slots; a `save` sets one for what follows and puts it back after.
        mutating func add(
            _ pc: Int,
            at offset: Int,
            _ context: Context,
            _ scratch: inout [Int],
            _ stack: inout [Step]
        ) {
            stack.append(.visit(pc))
            while let step = stack.popLast() {
                switch step {
                case .restore(let slot, let value):
                    scratch[slot] = value
                case .visit(let pc):
                    guard !contains(pc) else { continue }
                    sparse[pc] = Int32(dense.count)
                    dense.append(Int32(pc))
                    rowOf.append(-1)
                    switch context.program.instructions[pc] {
                    case .jump(let target):
                        stack.append(.visit(target))
                    case .split(let first, let second):
                        stack.append(.visit(second))
                        stack.append(.visit(first))
                    case .save(let slot):
                        if slot < slotCount {
                            stack.append(.restore(slot: slot, value: scratch[slot]))
                            scratch[slot] = offset
                        }
                        stack.append(.visit(pc + 1))
                    case .assertion(let assertion):
                        if context.holds(assertion, at: offset) { stack.append(.visit(pc + 1)) }
                    case .scalar, .anyScalar, .set, .match:
                        if slotCount > 0 {
                            rowOf[rowOf.count - 1] = Int32(rows.count / slotCount)
                            rows.append(contentsOf: scratch)
                        }
                    }
                }
            }
        }
    }
}
