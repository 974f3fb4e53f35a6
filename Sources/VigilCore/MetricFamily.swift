/// One metric family of a parsed exposition, with every sample: the materialised view `vigil parse`
/// prints. The streaming ``ExpositionParser`` is what hot paths use.
public struct MetricFamily: Sendable, Equatable {
    public var name: String
    public var type: MetricType
    public var help: String?
    public var unit: String?
    public var samples: [Sample]

    /// One sample line.
    public struct Sample: Sendable, Equatable {
        /// The sample's metric name (`http_requests_total`, `latency_bucket`, …).
        public var name: String
        /// Labels in the order written, unescaped.
        public var labels: [Label]
        public var value: Double
        /// Milliseconds since the epoch.
        public var timestamp: Int64?
        public var exemplar: Exemplar?
    }

    public struct Label: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    /// Reads a whole body into families: a sample joins the current family when its name is the
    /// family's name or the family's name plus a suffix its type allows; otherwise it opens an
    /// untyped family of its own.
    public static func read(
        _ bytes: [UInt8],
        format: ExpositionFormat,
        limits: ExpositionLimits = .default
    ) throws(ExpositionError) -> [MetricFamily] {
        var parser = ExpositionParser(bytes: bytes, format: format, limits: limits)
        var families: [MetricFamily] = []
        func current(named name: String) -> Int {
            if let last = families.indices.last, families[last].name == name, families[last].samples.isEmpty {
                return last
            }
            families.append(MetricFamily(name: name, type: .unknown, samples: []))
            return families.count - 1
        }
        while let entry = try parser.next() {
            switch entry {
            case .comment:
                continue
            case .help:
                families[current(named: parser.metricName)].help = parser.text
            case .type:
                families[current(named: parser.metricName)].type = parser.metricType
            case .unit:
                families[current(named: parser.metricName)].unit = parser.text
            case .sample:
                let name = parser.metricName
                let sample = Sample(
                    name: name,
                    labels: parser.labels.map { Label(name: $0.name, value: $0.value) },
                    value: parser.value,
                    timestamp: parser.timestamp,
                    exemplar: parser.exemplar
                )
                if let last = families.indices.last, families[last].admits(sampleNamed: name) {
                    families[last].samples.append(sample)
                } else {
                    families.append(MetricFamily(name: name, type: .unknown, samples: [sample]))
                }
            }
        }
        return families
    }

    private func admits(sampleNamed sampleName: String) -> Bool {
        guard sampleName.hasPrefix(name) else { return false }
        let suffix = String(sampleName.dropFirst(name.count))
        switch type {
        case .unknown, .gauge, .stateset: return suffix.isEmpty
        // Text 0.0.4 counters are usually named with `_total` already, and then carry no suffix.
        case .counter: return suffix.isEmpty || suffix == "_total" || suffix == "_created"
        default: return type.openMetricsSuffixes.contains(suffix)
        }
    }
}
