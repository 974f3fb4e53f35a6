/// Equality whose running time depends only on the lengths of what is compared, never on where the
/// first difference is: a secret compared byte by byte and stopping early tells a timing attacker how
/// many leading bytes were right.
enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes. Every byte of the longer one is visited; unequal
    /// lengths compare unequal without a shortcut.
    static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        let left = Array(a)
        let right = Array(b)
        var difference = UInt64(truncatingIfNeeded: left.count ^ right.count)
        for index in 0..<max(left.count, right.count) {
            let x = index < left.count ? left[index] : 0
            let y = index < right.count ? right[index] : 0
            difference |= UInt64(x ^ y)
        }
        return difference == 0
    }
}
