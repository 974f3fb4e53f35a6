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

    private mutating func emit(_ node: RE2Node) throws(RE2Syntax.Violation) {
        switch node {
        case .empty:
            break
        case .literal(let value, let folds):
            // Under (?i), a letter with other cases is the class of its orbit.
            let orbit = folds ? RE2CaseFolding.orbit(value) : [value]
            if orbit.count > 1 {
                // One set per letter, however often it is written (a long (?i) list of names).
                let representative = RE2CaseFolding.fold(value)
                if orbitSets[representative] == nil {
                    sets.append(RE2ScalarSet(orbit.map { $0...$0 }))
                    orbitSets[representative] = sets.count - 1
                }
                try append(.set(orbitSets[representative]!))
            } else {
                try append(.scalar(value))
            }
        case .set(let set):
            sets.append(set)
            try append(.set(sets.count - 1))
        case .anyScalar:
            try append(.anyScalar)
        case .assertion(let assertion):
            try append(.assertion(assertion))
        case .capture(let inner, let index):
            try append(.save(2 * index))
            try emit(inner)
            try append(.save(2 * index + 1))
        case .concatenation(let nodes):
            for node in nodes { try emit(node) }
        case .alternation(let nodes):
            var exits: [Int] = []
            for node in nodes.dropLast() {
                let split = try append(.split(0, 0))
                try emit(node)
                exits.append(try append(.jump(0)))
                instructions[split] = .split(split + 1, instructions.count)
            }
            try emit(nodes[nodes.count - 1])
            for exit in exits { instructions[exit] = .jump(instructions.count) }
        case .repetition(let inner, let minimum, let maximum, let greedy):
            try repetition(inner, minimum: minimum, maximum: maximum, greedy: greedy)
        }
    }

    /// Go's `Simplify` of a repetition, then its `star`, `plus` and `quest`.
    private mutating func repetition(
        _ inner: RE2Node,
        minimum: Int,
        maximum: Int?,
        greedy: Bool
    )
        throws(RE2Syntax.Violation)
    {
        // Repeating the empty string matches it once; `(?:x*)*` is `x*` (the same operator, the same
        // greediness), as Go simplifies them.
        if case .empty = inner { return }
        if case .repetition(_, let innerMinimum, let innerMaximum, let innerGreedy) = inner,
            innerGreedy == greedy, innerMinimum == minimum, innerMaximum == maximum, minimum <= 1,
            maximum == nil || maximum == 1
        {
            return try emit(inner)
        }
        switch (minimum, maximum) {
        case (0, 0):
            return
        case (0, nil):
            try star(inner, greedy: greedy)
        case (_, nil):
            for _ in 1..<minimum { try emit(inner) }
            try plus(inner, greedy: greedy)
        default:
            for _ in 0..<minimum { try emit(inner) }
            // The optional copies, nested as Go nests them, `(x(x)?)?`: each may end the repetition.
            var exits: [Int] = []
            for _ in minimum..<maximum! {
                exits.append(try append(.split(0, 0)))
                try emit(inner)
            }
            for exit in exits { instructions[exit] = split(exit + 1, instructions.count, greedy: greedy) }
        }
    }

    private func split(_ more: Int, _ fewer: Int, greedy: Bool) -> Instruction {
        greedy ? .split(more, fewer) : .split(fewer, more)
    }

    private mutating func star(_ inner: RE2Node, greedy: Bool) throws(RE2Syntax.Violation) {
        if inner.isNullable {
            let skip = try append(.split(0, 0))
            try plus(inner, greedy: greedy)
            instructions[skip] = split(skip + 1, instructions.count, greedy: greedy)
            return
        }
        let loop = try append(.split(0, 0))
        try emit(inner)
        try append(.jump(loop))
        instructions[loop] = split(loop + 1, instructions.count, greedy: greedy)
    }

    private mutating func plus(_ inner: RE2Node, greedy: Bool) throws(RE2Syntax.Violation) {
        let start = instructions.count
        try emit(inner)
        let again = try append(.split(0, 0))
        instructions[again] = split(start, again + 1, greedy: greedy)
    }
}
