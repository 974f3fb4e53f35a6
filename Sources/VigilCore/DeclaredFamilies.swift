/// The `# TYPE` of every family one body declared, so a sample whose family's samples are interleaved
/// with another's still gets its own family's ``SampleRole``.
///
/// Both formats want a family's samples grouped under its `# TYPE` line, and a sample's role is read from
/// the last one. But Prometheus reads a sample's type from its family's metadata wherever the TYPE line
/// was, and exporters that write a family's samples after another's TYPE exist (OpenMetrics as Prometheus
/// reads it lets them through): without this their counters' `_total` would be scored as gauges, for
/// the series's life. Consulted only for a sample the last TYPE does not claim, once per new series.
///
/// Kept by the target's ``SeriesCache``, emptied (keeping its storage) when a body begins: a scrape
/// that declares the same families as the last allocates nothing. Keyed by a 64-bit hash of the name,
/// not the name: a collision could only give a series a type its own target declared for another family,
/// which the target could do anyway.
struct DeclaredFamilies {
    /// A body's TYPE lines past this many are not remembered: their interleaved samples are untyped, as
    /// before, and a hostile body cannot make every scrape of its target hold megabytes.
    static let limit = 10_000

    private var types: [UInt64: MetricType] = [:]

    /// How many families are remembered.
    var count: Int { types.count }

    /// Forgets the last body's families, keeping the storage.
    mutating func removeAll() {
        types.removeAll(keepingCapacity: true)
    }

    /// Notes a `# TYPE` line: `family` is its name.
    mutating func declare(_ type: MetricType, family: UnsafeBufferPointer<UInt8>) {
        let key = FNV1a.hash(family)
        guard types.count < Self.limit || types[key] != nil else { return }
        types[key] = type
    }

    /// The role of a sample named `name`, from the family it belongs to: its own name's, else its name
    /// less one of the types' suffixes, where that family's type has the suffix; nil when this body
    /// declared no such family.
    func role(ofSampleNamed name: UnsafeBufferPointer<UInt8>) -> SampleRole? {
        guard !types.isEmpty else { return nil }
        if let type = types[FNV1a.hash(name)], let role = ExpositionParser.role(of: type, suffix: "") {
            return role
        }
        for suffix in Self.suffixes where name.count > suffix.utf8.count {
            let stem = name.count - suffix.utf8.count
            guard name[stem...].elementsEqual(suffix.utf8), let type = types[FNV1a.hash(name[..<stem])] else {
                continue
            }
            if let role = ExpositionParser.role(of: type, suffix: suffix) { return role }
        }
        return nil
    }

    /// Every suffix some type gives its samples.
    private static let suffixes = ["_total", "_count", "_sum", "_bucket", "_created", "_gcount", "_gsum", "_info"]
}
