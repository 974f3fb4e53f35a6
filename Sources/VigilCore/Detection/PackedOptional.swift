/// An optional `Double` in 8 bytes instead of `Double?`'s 9 (16 in an array, after padding): "none" is a
/// NaN with a payload no computation or parser produces, so every real value, NaN included, is kept.
/// A detector's previous sample, previous timestamp and onset are optional; packed, the three save 24 of
/// its bytes a series.
@propertyWrapper
public struct PackedOptional: Sendable, Equatable {
    /// A quiet NaN whose payload marks "none".
    private static let none: UInt64 = 0x7FF8_5647_4C4E_4F4E
    private var bits = PackedOptional.none

    public init(wrappedValue: Double?) {
        self.wrappedValue = wrappedValue
    }

    public var wrappedValue: Double? {
        @inline(__always) get { bits == Self.none ? nil : Double(bitPattern: bits) }
        @inline(__always) set {
            // The marker itself, should it ever arrive as a value, is kept as an ordinary NaN.
            bits = newValue.map { $0.bitPattern == Self.none ? Double.nan.bitPattern : $0.bitPattern } ?? Self.none
        }
    }
}

extension PackedOptional: Codable {
    /// Written as the optional it holds (a number, or null).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.init(wrappedValue: container.decodeNil() ? nil : try container.decode(Double.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value = wrappedValue { try container.encode(value) } else { try container.encodeNil() }
    }
}
