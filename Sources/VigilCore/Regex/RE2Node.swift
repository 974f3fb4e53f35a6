/// A parsed RE2 expression, as Go's `regexp/syntax` parses it (before its simplification), with each
/// literal and class already carrying the flags that were in force where it was written.
indirect enum RE2Node: Sendable {
    /// Matches the empty string (an empty alternative, `()`, `x{0}`).
    case empty
    /// One code point; `folds` when `(?i)` was in force (then any case of it matches).
    case literal(UInt32, folds: Bool)
    /// A class: `[…]`, `\d`, `\pL`, or `.` without `(?s)`.
    case set(RE2ScalarSet)
    /// `.` under `(?s)`: any code point, a newline included.
    case anyScalar
    case assertion(RE2Assertion)
    /// A capturing group, numbered from 1 in the order its `(` appears.
    case capture(RE2Node, index: Int)
    case concatenation([RE2Node])
    /// Alternatives in priority order: the first that leads to a match wins (leftmost-first, as Go).
    case alternation([RE2Node])
    /// `x*`, `x+`, `x?`, `x{n,m}`; `maximum` nil when unbounded; `greedy` as written, `(?U)` applied.
    case repetition(RE2Node, minimum: Int, maximum: Int?, greedy: Bool)

    /// Whether it can match the empty string: a loop over such a node needs Go's guard (see
    /// ``RE2Program``) so that its priorities stay those of a backtracking matcher.
    var isNullable: Bool {
        switch self {
        case .empty, .assertion: true
        case .literal, .set, .anyScalar: false
        case .capture(let inner, _): inner.isNullable
        case .concatenation(let nodes): nodes.allSatisfy(\.isNullable)
        case .alternation(let nodes): nodes.contains(where: \.isNullable)
        case .repetition(let inner, let minimum, _, _): minimum == 0 || inner.isNullable
        }
    }
}

/// An empty-width assertion. Without `(?m)`, `^` and `$` are the text's beginning and end (Go's `$` is
/// `\z`: it does not match before a final newline); with it, a line's.
enum RE2Assertion: Sendable {
    case beginText, endText, beginLine, endLine
    /// `\b` and `\B`: between an ASCII word character (`[0-9A-Za-z_]`) and anything else, as in Go.
    case wordBoundary, notWordBoundary
}
