/// A parsed pattern compiled to instructions for ``RE2Machine``, as Go's `regexp/syntax` simplifies and
/// compiles it: counted repetitions unrolled (`x{2,4}` is `xx(x(x)?)?`), and a loop over something that
/// can match the empty string written `(x+)?`, so that its priorities are a backtracking matcher's
/// (golang.org/issue/46123). The priorities are what make the captures Go's: the first alternative, the
/// longer greedy and the shorter lazy repetition win.
struct RE2Program: Sendable {
    enum Instruction: Sendable {
        /// Consumes this code point.
        case scalar(UInt32)
        case anyScalar
        /// Consumes a code point in ``RE2Program/sets`` at this index.
        case set(Int)
        /// Goes on at both, the first with the higher priority.
        case split(Int, Int)
        case jump(Int)
        /// Records the position in this capture slot (2 × group, and one more for its end).
        case save(Int)
        case assertion(RE2Assertion)
        case match
    }

    /// Vigil's bound on a program, a third of Go's (about 3.3 million instructions): a pattern past it is
    /// refused with Go's wording. It is far beyond any real relabel rule (a `(?i)` list of 4,000 names of
    /// 30 letters is 150,000), and bounds what a match holds, which is state for each instruction.
    static let maximumInstructions = 1_000_000

    private(set) var instructions: [Instruction] = []
    private(set) var sets: [RE2ScalarSet] = []
    /// The set of each case-folded letter's orbit, by the orbit's representative, while compiling.
    private var orbitSets: [UInt32: Int] = [:]
    /// Two per group, the whole match (group 0) first.
    let slotCount: Int
    /// Whether a match can only begin where the text does (the pattern begins with `^` or `\A`, as
    /// Prometheus's `^(?s:…)$` does): then no thread starts later.
    let anchoredAtStart: Bool
    private let pattern: String

    init(_ parsed: RE2Syntax.Parsed, pattern: String) throws(RE2Syntax.Violation) {
        slotCount = 2 * (parsed.captureCount + 1)
        self.pattern = pattern
        anchoredAtStart =
            switch parsed.root {
            case .assertion(.beginText): true
            case .concatenation(let nodes): if case .assertion(.beginText) = nodes.first { true } else { false }
            default: false
            }
        try append(.save(0))
        try emit(parsed.root)
        try append(.save(1))
        try append(.match)
    }

    /// Whether the instruction at `pc`, one that consumes, takes this code point.
    func consumes(_ pc: Int, _ value: UInt32) -> Bool {
        switch instructions[pc] {
        case .scalar(let scalar): scalar == value
        case .anyScalar: true
        case .set(let set): sets[set].contains(value)
        case .split, .jump, .save, .assertion, .match: false
        }
    }

    @discardableResult
    private mutating func append(_ instruction: Instruction) throws(RE2Syntax.Violation) -> Int {
        guard instructions.count < Self.maximumInstructions else {
            throw RE2Syntax.Violation(description: "error parsing regexp: expression too large: `\(pattern)`")
        }
        instructions.append(instruction)
        return instructions.count - 1
    }

    /// What is left to do while compiling: a node to emit, or the end of a construct, which patches the
    /// instructions whose targets were not known when they were written (their indices are on `marks`).
    /// Kept on a stack of its own instead of recursing, so a pattern nested as deep as Go allows
    /// compiles on a small thread stack.
    private enum Step {
        case emit(RE2Node)
        case instruction(Instruction)
        /// Writes a split to be patched and marks it.
        case markedSplit
        /// Marks where the next instruction goes.
        case markHere
        /// An alternative other than the last has been written: its split goes on to the next one, and
        /// its jump (marked) leaves the alternation.
        case alternativeDone
        /// The last alternative has been written: this many jumps leave to here.
        case alternationDone(Int)
        /// A loop's body has been written: back to its split, which leaves to here.
        case loopDone(greedy: Bool)
        /// A `+`'s body has been written: a split back to its start, or on.
        case plusDone(greedy: Bool)
        /// This many optional copies have been written: each one's split may skip to here.
        case optionalsDone(Int, greedy: Bool)
    }

    private mutating func emit(_ root: RE2Node) throws(RE2Syntax.Violation) {
        var work: [Step] = [.emit(root)]
        var marks: [Int] = []
        while let step = work.popLast() {
            switch step {
            case .emit(let node):
                // The steps of a node, in order; pushed reversed, as the stack is worked from its end.
                work += try steps(node).reversed()
            case .instruction(let instruction):
                try append(instruction)
            case .markedSplit:
                marks.append(try append(.split(0, 0)))
            case .markHere:
                marks.append(instructions.count)
            case .alternativeDone:
                let split = marks.removeLast()
                let exit = try append(.jump(0))
                instructions[split] = .split(split + 1, instructions.count)
                marks.append(exit)
            case .alternationDone(let count):
                for _ in 0..<count { instructions[marks.removeLast()] = .jump(instructions.count) }
            case .loopDone(let greedy):
                let loop = marks.removeLast()
                try append(.jump(loop))
                instructions[loop] = split(loop + 1, instructions.count, greedy: greedy)
            case .plusDone(let greedy):
                let start = marks.removeLast()
                let again = try append(.split(0, 0))
                instructions[again] = split(start, again + 1, greedy: greedy)
            case .optionalsDone(let count, let greedy):
                for _ in 0..<count {
                    let skip = marks.removeLast()
                    instructions[skip] = split(skip + 1, instructions.count, greedy: greedy)
                }
            }
        }
    }

    /// A node as steps: leaves become instructions at once.
    private mutating func steps(_ node: RE2Node) throws(RE2Syntax.Violation) -> [Step] {
        switch node {
        case .empty:
            return []
        case .literal(let value, let folds):
            // Under (?i), a letter with other cases is the class of its orbit.
            let orbit = folds ? RE2CaseFolding.orbit(value) : [value]
            guard orbit.count > 1 else { return [.instruction(.scalar(value))] }
            // One set per letter, however often it is written (a long (?i) list of names).
            let representative = RE2CaseFolding.fold(value)
            if orbitSets[representative] == nil {
                sets.append(RE2ScalarSet(orbit.map { $0...$0 }))
                orbitSets[representative] = sets.count - 1
            }
            return [.instruction(.set(orbitSets[representative]!))]
        case .set(let set):
            sets.append(set)
            return [.instruction(.set(sets.count - 1))]
        case .anyScalar:
            return [.instruction(.anyScalar)]
        case .assertion(let assertion):
            return [.instruction(.assertion(assertion))]
        case .capture(let inner, let index):
            return [.instruction(.save(2 * index)), .emit(inner), .instruction(.save(2 * index + 1))]
        case .concatenation(let nodes):
            return nodes.map(Step.emit)
        case .alternation(let nodes):
            return nodes.dropLast().flatMap { [.markedSplit, .emit($0), .alternativeDone] }
                + [.emit(nodes[nodes.count - 1]), .alternationDone(nodes.count - 1)]
        case .repetition(let inner, let minimum, let maximum, let greedy):
            return repetition(inner, minimum: minimum, maximum: maximum, greedy: greedy)
        }
    }

    /// Go's `Simplify` of a repetition, then its `star`, `plus` and `quest`: `x*` is a loop, or `(x+)?`
    /// where x can match nothing; `x{2,}` is `xx+`; `x{2,4}` is `xx(x(x)?)?`.
    private func repetition(_ inner: RE2Node, minimum: Int, maximum: Int?, greedy: Bool) -> [Step] {
        // Repeating the empty string matches it once; `(?:x*)*` is `x*` (the same operator, the same
        // greediness), as Go simplifies them.
        if case .empty = inner { return [] }
        if case .repetition(_, let innerMinimum, let innerMaximum, let innerGreedy) = inner,
            innerGreedy == greedy, innerMinimum == minimum, innerMaximum == maximum, minimum <= 1,
            maximum == nil || maximum == 1
        {
            return [.emit(inner)]
        }
        let plus: [Step] = [.markHere, .emit(inner), .plusDone(greedy: greedy)]
        switch (minimum, maximum) {
        case (0, 0):
            return []
        case (0, nil):
            return inner.isNullable
                ? [.markedSplit] + plus + [.optionalsDone(1, greedy: greedy)]
                : [.markedSplit, .emit(inner), .loopDone(greedy: greedy)]
        case (_, nil):
            return Array(repeating: .emit(inner), count: minimum - 1) + plus
        default:
            // The optional copies, nested as Go nests them, `(x(x)?)?`: each may end the repetition.
            let optional = maximum! - minimum
            return Array(repeating: .emit(inner), count: minimum)
                + Array(repeating: [Step.markedSplit, .emit(inner)], count: optional).flatMap { $0 }
                + [.optionalsDone(optional, greedy: greedy)]
        }
    }

    private func split(_ more: Int, _ fewer: Int, greedy: Bool) -> Instruction {
        greedy ? .split(more, fewer) : .split(fewer, more)
    }
}
