extension Float {
    /// `value` rounded to the nearest `Float`, held within `Float`'s finite range (NaN stays NaN): the
    /// narrowed fields of a detector keep their arithmetic in `Double`, and a value past `Float`'s
    /// largest would otherwise be stored as infinity, which makes the next update NaN.
    @inline(__always)
    init(narrowing value: Double) {
        let largest = Double(Float.greatestFiniteMagnitude)
        self.init(Swift.min(Swift.max(value, -largest), largest))
    }
}
