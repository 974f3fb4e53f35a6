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

    public init() {}

    /// The symbol for `string`, creating it on first sight.
    public func intern(_ string: String) -> Symbol {
        let key = Bytes(string: string)
        if let symbol = ids[key] { return symbol }
        let symbol = Symbol(id: UInt32(strings.count))
        strings.append(string)
        ids[key] = symbol
        return symbol
    }

    /// The symbol for `string` if it is interned already; never creates one (a series that is refused
    /// must not leave its strings behind).
    public func existing(_ string: String) -> Symbol? { ids[Bytes(string: string)] }

    /// The string behind a symbol of this table.
    public subscript(symbol: Symbol) -> String { strings[Int(symbol.id)] }

    /// How many distinct strings are interned.
    public var count: Int { strings.count }
}
