/// Cuts a byte stream into newline-delimited messages (MCP's stdio framing), holding at most
/// `maxLineBytes` of a line: a longer one is reported once and its bytes thrown away up to its newline,
/// so a client (or anything writing to our standard input) cannot make the server buffer without bound.
/// Each byte is looked at once: a line arriving in many small reads costs what one read of it costs.
struct LineFramer {
    enum Piece: Equatable {
        /// A complete line, without its newline (empty lines are skipped).
        case line([UInt8])
        /// A line longer than the limit: refused, its bytes dropped.
        case overlong
    }

    let maxLineBytes: Int
    private var pending: [UInt8] = []
    /// Inside an overlong line: drop until its newline.
    private var discarding = false

    init(maxLineBytes: Int) { self.maxLineBytes = maxLineBytes }

    /// Bytes held for an unfinished line (never more than `maxLineBytes`).
    var buffered: Int { pending.count }

    /// The messages `bytes` completes, in order.
    mutating func feed(_ bytes: some Collection<UInt8>) -> [Piece] {
        var pieces: [Piece] = []
        var rest = bytes[...]
        while !rest.isEmpty {
            let newline = rest.firstIndex(of: UInt8(ascii: "\n"))
            let chunk = rest[..<(newline ?? rest.endIndex)]
            if !discarding {
                if pending.count + chunk.count > maxLineBytes {
                    pending.removeAll(keepingCapacity: false)
                    discarding = true
                    pieces.append(.overlong)
                } else {
                    pending.append(contentsOf: chunk)
                }
            }
            guard let newline else { break }
            if !discarding, !pending.isEmpty { pieces.append(.line(pending)) }
            pending.removeAll(keepingCapacity: true)
            discarding = false
            rest = rest[rest.index(after: newline)...]
        }
        return pieces
    }
}
