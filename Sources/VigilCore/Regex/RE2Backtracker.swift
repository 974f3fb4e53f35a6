/// Go's bit-state backtracker (`regexp/backtrack.go`), used where the program and the text are small
/// (as label values are): a depth-first search in priority order that marks each (instruction,
/// position) it has been at and never comes back to one, so it too takes time linear in the text's
/// length times the program's, and finds what ``RE2Machine`` finds, with less work per code point.
enum RE2Backtracker {
    /// Go's bounds: at most 500 instructions, and 256 Kibit of marks (32 KiB).
    static let maximumInstructions = 500
    static let maximumMarks = 256 * 1024

    static func fits(_ program: RE2Program, textLength: Int) -> Bool {
        program.instructions.count <= maximumInstructions
            && program.instructions.count * (textLength + 1) <= maximumMarks
    }

    /// As ``RE2Machine/run(_:on:slotCount:)``.
    static func run(_ program: RE2Program, on text: UnsafeBufferPointer<UInt8>, slotCount: Int) -> [Int]? {
        let marks = program.instructions.count * (text.count + 1)
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: (marks + 63) / 64) { visited in
            visited.initialize(repeating: 0)
            var search = Search(
                context: RE2Machine.Context(program: program, text: text),
                visited: visited,
                slots: [Int](repeating: -1, count: slotCount)
            )
            var start = 0
            while true {
                if search.tryMatch(at: start) { return search.slots }
                guard !program.anchoredAtStart, let scalar = search.context.scalar(at: start) else { return nil }
                start += scalar.width
            }
        }
    }

    private struct Search {
        struct Job {
            var pc: Int
            /// A position, or for a `save` coming back, the slot's value to restore.
            var position: Int
            /// A `split` whose first way is done, or a `save` to undo.
            var isReturn: Bool
        }

        let context: RE2Machine.Context
        let visited: UnsafeMutableBufferPointer<UInt64>
        var slots: [Int]
        var jobs: [Job] = []

        /// Marks (pc, position) as visited; false when it already was.
        mutating func visit(_ pc: Int, _ position: Int) -> Bool {
            let bit = pc * (context.text.count + 1) + position
            let mask: UInt64 = 1 << UInt64(bit & 63)
            guard visited[bit >> 6] & mask == 0 else { return false }
            visited[bit >> 6] |= mask
            return true
        }

        /// Whether a match starts at `start`; its slots are then in `slots`. Marks stay from one start
        /// to the next: a state that failed from an earlier start fails from this one too (Go).
        mutating func tryMatch(at start: Int) -> Bool {
            guard visit(0, start) else { return false }
            jobs.append(Job(pc: 0, position: start, isReturn: false))
            let program = context.program
            while let job = jobs.popLast() {
                var pc = job.pc
                var position = job.position
                var isReturn = job.isReturn
                var checked = true  // a job was marked when it was pushed
                thread: while true {
                    if !checked, !visit(pc, position) { break thread }
                    checked = false
                    switch program.instructions[pc] {
                    case .split(let first, let second):
                        // Not both pushed now: if the first way reaches the second, it takes it there.
                        if isReturn {
                            isReturn = false
                            pc = second
                        } else {
                            jobs.append(Job(pc: pc, position: position, isReturn: true))
                            pc = first
                        }
                    case .jump(let target):
                        pc = target
                    case .save(let slot):
                        if isReturn {
                            slots[slot] = position
                            break thread
                        }
                        if slot < slots.count {
                            jobs.append(Job(pc: pc, position: slots[slot], isReturn: true))
                            slots[slot] = position
                        }
                        pc += 1
                    case .assertion(let assertion):
                        guard context.holds(assertion, at: position) else { break thread }
                        pc += 1
                    case .match:
                        jobs.removeAll()
                        return true
                    case .scalar, .anyScalar, .set:
                        guard let scalar = context.scalar(at: position),
                            program.consumes(pc, scalar.value)
                        else { break thread }
                        position += scalar.width
                        pc += 1
                    }
                }
            }
            return false
        }
    }
}
