/// An interned string: label names and values are stored once and compared as integers.
public struct Symbol: Hashable, Sendable {
    public let id: UInt32
}

/// Interns strings to ``Symbol``s, so each distinct label name or value is held once however many
/// series share it.
public final class SymbolTable {
    private var ids: [String: Symbol] = [:]
    private var strings: [String] = []

    public init() {}

    /// The symbol for `string`, creating it on first sight.
    public func intern(_ string: String) -> Symbol {
        if let symbol = ids[string] { return symbol }
        let symbol = Symbol(id: UInt32(strings.count))
        strings.append(string)
        ids[string] = symbol
        return symbol
    }

    /// The string behind a symbol of this table.
    public subscript(symbol: Symbol) -> String { strings[Int(symbol.id)] }

    /// How many distinct strings are interned.
    public var count: Int { strings.count }
}
