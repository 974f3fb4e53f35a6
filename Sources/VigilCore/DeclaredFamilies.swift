/// The `# TYPE` of every family one body has declared so far, so a sample whose family's samples are
/// interleaved with another's still gets its own family's ``SampleRole``.
///
/// Both formats want a family's samples grouped under its `# TYPE` line, before them, and a sample's
/// role is read from the last one. Prometheus does the same for the metadata it stores with a series
/// (`isSeriesPartOfFamily` against the last TYPE), though its metadata API, keyed by family name, knows
/// the type of a family wherever its TYPE line was. Exporters that write a family's samples after
/// another's TYPE exist (OpenMetrics as Prometheus reads it lets them through), and without this their
/// counters' `_total` would be scored as gauges, not rates, for the series's life. Consulted only for a
/// sample the last TYPE does not claim, once per new series; a TYPE line after its family's first sample
/// comes too late for that series (both formats forbid it).
///
/// Kept by the target's ``SeriesCache``, emptied when a body begins, keeping its storage unless the last
/// body used a small part of it: a scrape that declares the same families as the last allocates nothing,
/// and one huge body does not leave every later scrape holding its table. Keyed by a 64-bit hash of the
/// name, not the name: a collision could only give a series a type its own target declared for another
/// family, which the target could do anyway.
struct DeclaredFamilies {
    /// A body's TYPE lines past this many are not remembered: their interleaved samples are untyped, as
    /// before, and a hostile body cannot make every scrape of its target hold megabytes.
    static let limit = 10_000

    private var types: [UInt64: MetricType] = [:]

    /// How many families are remembered.
    var count: Int { types.count }
    /// How many the storage holds without growing.
    var capacity: Int { types.capacity }

    /// Forgets the last body's families: keeps the storage for as many again, gives it back when the
    /// last body used under a quarter of it.
    mutating func removeAll() {
        if types.capacity > 4 * Swift.max(types.count, 64) {
            types = [:]
        } else {
            types.removeAll(keepingCapacity: true)
        }
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

    /// Every suffix some type gives its samples (none ends another, so their order does not matter).
    private static let suffixes = Set(MetricType.allCases.flatMap(\.openMetricsSuffixes)).subtracting([""]).sorted()
}
