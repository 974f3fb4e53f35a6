/// Consistency of one histogram or gauge histogram, group by group (a group is a label set and
/// timestamp): buckets ascending with non-decreasing counts, a `+Inf` bucket equal to `_count`,
/// `_sum`/`_count` present together, no `_sum` beside negative buckets, no negative `_gsum` without them.
struct OpenMetricsHistogramCheck {
    private var group: UInt64?
    private var timestamp: Double?
    private var count: Double?
    private var bucket: Double?
    private var cumulative: Double = 0
    private var hasNegativeBuckets = false
    private var hasSum = false
    private var hasGaugeSum = false
    private var hasNegativeGaugeSum = false

    mutating func observe(
        suffix: Substring,
        group: UInt64,
        timestamp: Double?,
        bound: Double,
        value: Double,
        family: [UInt8],
        site: ErrorSite,
        at offset: Int
    ) throws(ExpositionError) {
        if self.group != group || self.timestamp != timestamp {
            try finish(family: family, site: site, at: offset)
            self = OpenMetricsHistogramCheck()
        }
        self.group = group
        self.timestamp = timestamp
        switch suffix {
        case "_bucket":
            if bound < 0 { hasNegativeBuckets = true }
            if let bucket, bound <= bucket {
                throw site.error(at: offset, "histogram \(quoted(family)) buckets are out of order")
            }
            if value < cumulative {
                throw site.error(at: offset, "histogram \(quoted(family)) bucket counts decrease")
            }
            bucket = bound
            cumulative = value
        case "_count", "_gcount":
            count = value
        case "_sum":
            hasSum = true
        case "_gsum":
            hasGaugeSum = true
            if value < 0 { hasNegativeGaugeSum = true }
        default:
            break
        }
    }

    func finish(family: [UInt8], site: ErrorSite, at offset: Int) throws(ExpositionError) {
        guard group != nil else { return }
        let name = quoted(family)
        if bucket != .infinity { throw site.error(at: offset, "histogram \(name) has no +Inf bucket") }
        if let count, count != cumulative {
            throw site.error(
                at: offset,
                "histogram \(name) count \(count) does not match its +Inf bucket \(cumulative)"
            )
        }
        if hasSum && count == nil { throw site.error(at: offset, "histogram \(name) has _sum but no _count") }
        if hasGaugeSum && count == nil {
            throw site.error(at: offset, "gauge histogram \(name) has _gsum but no _gcount")
        }
        if !(hasSum || hasGaugeSum) && count != nil {
            throw site.error(at: offset, "histogram \(name) has a count but no sum")
        }
        if hasNegativeBuckets && hasSum {
            throw site.error(at: offset, "histogram \(name) has negative buckets, so it cannot have _sum")
        }
        if !hasNegativeBuckets && hasNegativeGaugeSum {
            throw site.error(at: offset, "gauge histogram \(name) has a negative _gsum without negative buckets")
        }
    }
}
