/// An interned string: label names and values are stored once and compared as integers.
public struct Symbol: Hashable, Sendable {
    public let id: UInt32
}

/// Interns strings to ``Symbol``s, so each distinct label name or value is held once however many
/// series share it.
///
/// Distinct means distinct bytes, as Prometheus compares label values: Swift's `String ==` holds "é"
/// and "e" + a combining acute equal, which merged two series into one (and one detector).
public final class SymbolTable {
    /// A string hashed and compared by its UTF-8 bytes; it shares the string's storage.
    private struct Bytes: Hashable {
        let string: String

        static func == (lhs: Bytes, rhs: Bytes) -> Bool { lhs.string.utf8.elementsEqual(rhs.string.utf8) }

        func hash(into hasher: inout Hasher) {
            var string = self.string
            string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }

    private var ids: [Bytes: Symbol] = [:]
    private var strings: [String] = []
    /// Ids of released strings, handed out again by ``intern(_:)``: a daemon that sees a new pod name
    /// every deploy for a year holds the names of its live series, not of every series it ever saw.
    private var free: [UInt32] = []

    public init() {}

    /// The symbol for `string`, creating it on first sight.
    public func intern(_ string: String) -> Symbol {
        let key = Bytes(string: string)
        if let symbol = ids[key] { return symbol }
        let symbol: Symbol
        if let id = free.popLast() {
            symbol = Symbol(id: id)
            strings[Int(id)] = string
        } else {
            symbol = Symbol(id: UInt32(strings.count))
            strings.append(string)
        }
        ids[key] = symbol
        return symbol
    }

    /// Releases every string none of `labels` uses, for its id to be reused. The caller owns every
    /// symbol still held: a released symbol held anywhere would later name another string. The series
    /// store calls this when it has removed series, with the labels of those it keeps.
    public func release(keepingOnlySymbolsOf labels: some Sequence<LabelSet.Label>) {
        var used = [Bool](repeating: false, count: strings.count)
        for label in labels {
            used[Int(label.name.id)] = true
            used[Int(label.value.id)] = true
        }
        for id in strings.indices where !used[id] {
            let key = Bytes(string: strings[id])
            // A released slot holds "" and is not what `ids` maps "" to (if anything): passed over.
            guard ids[key]?.id == UInt32(id) else { continue }
            ids.removeValue(forKey: key)
            strings[id] = ""
            free.append(UInt32(id))
        }
    }

    /// The symbol for `string` if it is interned already; never creates one (a series that is refused
    /// must not leave its strings behind).
    public func existing(_ string: String) -> Symbol? { ids[Bytes(string: string)] }

    /// The string behind a symbol of this table.
    public subscript(symbol: Symbol) -> String { strings[Int(symbol.id)] }

    /// How many distinct strings are interned (and not released).
    public var count: Int { ids.count }
}
