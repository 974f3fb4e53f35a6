extension Double {
    /// Held within `Double`'s finite range. Two finite samples can differ by more than the largest
    /// `Double` (1.7e308 less −1.7e308): such a difference is infinite, an update with it makes a level
    /// infinite and the next NaN, and the series is blind for good. Held at the largest, a residual still
    /// moves a level to somewhere between its mean and the sample, both finite.
    @inline(__always)
    var heldFinite: Double {
        Swift.min(Swift.max(self, -.greatestFiniteMagnitude), .greatestFiniteMagnitude)
    }
}
