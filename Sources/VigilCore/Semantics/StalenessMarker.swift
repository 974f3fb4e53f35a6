/// Prometheus's staleness marker: a NaN with a specific payload, written when a series disappears.
public enum StalenessMarker {
    /// The bit pattern Prometheus uses (`value.StaleNaN`).
    public static let bitPattern: UInt64 = 0x7FF0_0000_0000_0002

    public static let value = Double(bitPattern: bitPattern)

    /// True for the marker, false for every other value, ordinary NaNs included.
    @inline(__always)
    public static func isMarker(_ value: Double) -> Bool { value.bitPattern == bitPattern }
}
