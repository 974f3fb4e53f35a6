/// The OpenMetrics rules that span lines: metric families, their names and types, grouping and
/// ordering, timestamps within a group, value constraints per type, exemplar placement, and histogram
/// consistency. It follows the reference parser's rules (Python `prometheus_client`), which pass the
/// specification's conformance suite.
///
/// Label sets are compared by 64-bit hash, so nothing is stored per sample.
struct OpenMetricsFamilyValidator {
    private var familyName: [UInt8] = []
    private var hasFamily = false
    private var type: MetricType?
    private var sawHelp = false
    private var unit: [UInt8]?
    private var allowedSuffixes: [String] = [""]
    private var sampleCount = 0
    private var seenNames: Set<[UInt8]> = []

    private var currentGroup: UInt64?
    private var groupTimestamp: Double?
    private var seenGroups: Set<UInt64> = []
    private var seriesInGroup: Set<UInt64> = []
    private var histogram = OpenMetricsHistogramCheck()

    mutating func observeMetadata(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ parser: ExpositionParser
    ) throws(ExpositionError) {
        let name = parser.nameRange
        let isCurrent = hasFamily && sameBytes(buffer, name, familyName)
        if isCurrent && sampleCount > 0 {
            throw parser.error(at: name.lowerBound, "metadata for \(quoted(buffer, name)) after its samples")
        }
        if !isCurrent {
            try endFamily(parser.site)
            try startFamily(buffer, name, type: nil, parser)
        }
        switch parser.entry {
        case .help:
            if sawHelp { throw parser.error(at: name.lowerBound, "more than one HELP for \(quoted(buffer, name))") }
            sawHelp = true
        case .type:
            if type != nil { throw parser.error(at: name.lowerBound, "more than one TYPE for \(quoted(buffer, name))") }
            type = parser.declaredType
            allowedSuffixes = parser.declaredType.openMetricsSuffixes
        case .unit:
            if unit != nil { throw parser.error(at: name.lowerBound, "more than one UNIT for \(quoted(buffer, name))") }
            unit = Array(buffer[parser.textRange])
        default:
            break
        }
    }

    mutating func observeSample(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ parser: ExpositionParser
    ) throws(ExpositionError) {
        let name = parser.nameRange
        let line = name.lowerBound
        if !(hasFamily && isAllowed(buffer, name)) {
            // A sample named exactly like the current family (`a` under `# TYPE a counter`) would only
            // clash later; say what is wrong instead.
            if hasFamily, let type, !allowedSuffixes.contains(""), sameBytes(buffer, name, familyName) {
                let expected = allowedSuffixes.map { String(decoding: familyName, as: UTF8.self) + $0 }
                throw parser.error(
                    at: line,
                    "sample \(quoted(buffer, name)) does not fit \(type.rawValue) \(quoted(familyName)), whose samples are named \(expected.joined(separator: ", "))"
                )
            }
            // A sample outside the current family starts an untyped one, named after the sample.
            try endFamily(parser.site)
            try startFamily(buffer, name, type: .unknown, parser)
        }
        let type = self.type ?? .unknown
        let suffix = Substring(
            decoding: UnsafeBufferPointer(rebasing: buffer[(name.lowerBound + familyName.count)..<name.upperBound]),
            as: UTF8.self
        )
        let labels = parser.labelSpans
        let value = parser.sampleValue
        let timestamp = parser.openMetricsTimestamp

        var groupExcluding: [UInt8] = []
        if type == .stateset {
            guard span(named: familyName, in: labels, buffer) != nil else {
                throw parser.error(at: line, "stateset sample is missing its label \(quoted(familyName))")
            }
            groupExcluding = familyName
        }
        let isBucket = suffix == "_bucket" && (type == .histogram || type == .gaugehistogram)
        var bucketBound: Double = 0
        if isBucket {
            guard let le = span(named: Array("le".utf8), in: labels, buffer) else {
                throw parser.error(at: line, "histogram bucket without an \"le\" label")
            }
            bucketBound = try canonicalNumber(buffer, le, parser, what: "le")
            groupExcluding = Array("le".utf8)
        }
        if isBucket || suffix == "_count" || suffix == "_gcount", !(value.isFinite && value == value.rounded()) {
            throw parser.error(at: line, "\(suffix.dropFirst()) value must be an integer, got \(value)")
        }
        if type == .summary && suffix.isEmpty {
            guard let quantile = span(named: Array("quantile".utf8), in: labels, buffer) else {
                throw parser.error(at: line, "summary quantile sample without a \"quantile\" label")
            }
            let q = try canonicalNumber(buffer, quantile, parser, what: "quantile")
            guard q >= 0 && q <= 1 else {
                throw parser.error(
                    at: quantile.valueStart,
                    "quantile \(quoted(buffer, quantile.valueRange)) is outside [0, 1]"
                )
            }
            groupExcluding = Array("quantile".utf8)
            if value < 0 { throw parser.error(at: line, "quantile values cannot be negative") }
        }

        let group = type == .info ? 0 : groupHash(buffer, labels, excluding: groupExcluding)
        if let currentGroup, group != currentGroup, seenGroups.contains(group) {
            throw parser.error(at: line, "samples of one group are not together (invalid metric grouping)")
        }
        if currentGroup == group {
            if (timestamp == nil) != (groupTimestamp == nil) {
                throw parser.error(at: line, "mix of samples with and without timestamps within a group")
            }
            if let groupTimestamp, let timestamp, groupTimestamp > timestamp, type != .info {
                throw parser.error(at: line, "timestamps went backwards within a group")
            }
        }
        // A new group, or the same group's next point in time: nothing of it has been seen yet. (Kept
        // across points, the set took the second point's samples for repeats of the first's.)
        if currentGroup != group || groupTimestamp != timestamp {
            seriesInGroup.removeAll(keepingCapacity: true)
        }
        let series = groupHash(buffer, labels, excluding: []) &+ ByteScanning.hash(buffer, name)
        // A repeat of a series at the same timestamp is a duplicate and is dropped, not checked again.
        let isDuplicate = timestamp == groupTimestamp && seriesInGroup.contains(series)
        seriesInGroup.insert(series)
        currentGroup = group
        groupTimestamp = timestamp
        seenGroups.insert(group)
        if !isDuplicate {
            sampleCount += 1
            if type == .histogram || type == .gaugehistogram, !suffix.isEmpty {
                let histogramGroup = isBucket ? group : groupHash(buffer, labels, excluding: [])
                try histogram.observe(
                    suffix: suffix,
                    group: histogramGroup,
                    timestamp: timestamp,
                    bound: bucketBound,
                    value: value,
                    family: familyName,
                    site: parser.site,
                    at: line
                )
            }
        }

        if type == .stateset, value != 0 && value != 1 {
            throw parser.error(at: line, "stateset samples can only have values 0 and 1, got \(value)")
        }
        if type == .info, value != 1 {
            throw parser.error(at: line, "info samples can only have value 1, got \(value)")
        }
        let counterLike = ["_total", "_sum", "_count", "_bucket", "_gcount", "_gsum"].contains(suffix)
        if counterLike && value.isNaN {
            throw parser.error(at: line, "counter-like sample \(quoted(buffer, name)) cannot be NaN")
        }
        if counterLike && suffix != "_gsum" && value < 0 {
            throw parser.error(at: line, "counter-like sample \(quoted(buffer, name)) cannot be negative")
        }
        if parser.hasExemplar {
            let allowed =
                ((type == .histogram || type == .gaugehistogram) && suffix == "_bucket")
                || (type == .counter && suffix == "_total")
            if !allowed {
                throw parser.error(at: line, "exemplars are only allowed on histogram buckets and counter totals")
            }
        }
    }

    /// Checks the last family once the body has ended.
    mutating func finish(_ site: ErrorSite) throws(ExpositionError) {
        try endFamily(site)
    }

    private mutating func startFamily(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ name: Range<Int>,
        type: MetricType?,
        _ parser: ExpositionParser
    ) throws(ExpositionError) {
        familyName = Array(buffer[name])
        // Every family claims its bare name, so a family seen before is a clash already.
        if seenNames.contains(familyName) {
            throw parser.error(
                at: parser.lineStart,
                "clashing name \(quoted(familyName)): a metric family may appear only once"
            )
        }
        hasFamily = true
        self.type = type
        sawHelp = false
        unit = nil
        allowedSuffixes = [""]
        sampleCount = 0
        currentGroup = nil
        groupTimestamp = nil
        seenGroups.removeAll(keepingCapacity: true)
        seriesInGroup.removeAll(keepingCapacity: true)
        histogram = OpenMetricsHistogramCheck()
    }

    private mutating func endFamily(_ site: ErrorSite) throws(ExpositionError) {
        guard hasFamily else { return }
        hasFamily = false
        let type = self.type ?? .unknown
        let column = site.lineStart
        // In the type's suffix order, then the bare name: a Set's order changes from one parse to the
        // next, and so did which clashing name the error reported.
        var suffixes = type.openMetricsSuffixes
        if !suffixes.contains("") { suffixes.append("") }
        for suffix in suffixes {
            let name = familyName + Array(suffix.utf8)
            guard seenNames.insert(name).inserted else {
                throw site.error(at: column, "clashing name \(quoted(name)): a metric family may appear only once")
            }
        }
        if let unit, !unit.isEmpty {
            guard Self.unit(unit, ends: familyName) else {
                throw site.error(
                    at: column,
                    "unit \(quoted(unit)) is not a suffix of the metric name \(quoted(familyName))"
                )
            }
            if type == .info || type == .stateset {
                throw site.error(at: column, "\(type.rawValue) metric \(quoted(familyName)) cannot have a unit")
            }
        }
        if type == .histogram || type == .gaugehistogram {
            try histogram.finish(family: familyName, site: site, at: column)
        }
    }

    private func isAllowed(_ buffer: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) -> Bool {
        guard name.count >= familyName.count,
            sameBytes(buffer, name.lowerBound..<(name.lowerBound + familyName.count), familyName)
        else { return false }
        let suffix = buffer[(name.lowerBound + familyName.count)..<name.upperBound]
        return allowedSuffixes.contains { $0.utf8.elementsEqual(suffix) }
    }

    /// Whether `unit` ends `name` after an underscore (`seconds` ends `a_seconds`, not `seconds` or
    /// `aseconds`): what OpenMetrics, and Prometheus's scraper, require of a non-empty UNIT.
    static func unit<Unit: Collection<UInt8>, Name: BidirectionalCollection<UInt8>>(
        _ unit: Unit,
        ends name: Name
    ) -> Bool {
        let tail = name.suffix(unit.count + 1)
        return name.count > unit.count && tail.first == UInt8(ascii: "_") && tail.dropFirst().elementsEqual(unit)
    }

    private func sameBytes(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ other: [UInt8]) -> Bool {
        range.count == other.count && buffer[range].elementsEqual(other)
    }

    private func span(named name: [UInt8], in labels: [LabelSpan], _ buffer: UnsafeBufferPointer<UInt8>) -> LabelSpan? {
        labels.first { sameBytes(buffer, $0.nameRange, name) }
    }

    /// An `le` or `quantile` value: a number, never NaN, with infinities spelt exactly `+Inf`/`-Inf`.
    private func canonicalNumber(
        _ buffer: UnsafeBufferPointer<UInt8>,
        _ label: LabelSpan,
        _ parser: ExpositionParser,
        what: String
    ) throws(ExpositionError) -> Double {
        let range = label.valueRange
        guard case .value(let number) = NumberSyntax.parse(buffer, range, .openMetricsValue), !number.isNaN else {
            throw parser.error(at: range.lowerBound, "invalid \(what) label value \(quoted(buffer, range))")
        }
        if number.isInfinite,
            !(sameBytes(buffer, range, Array("+Inf".utf8)) || sameBytes(buffer, range, Array("-Inf".utf8)))
        {
            throw parser.error(
                at: range.lowerBound,
                "\(what) label value \(quoted(buffer, range)) must be written +Inf or -Inf"
            )
        }
        return number
    }

    /// Order-independent hash of a label set, leaving out the label named `excluding`.
    private func groupHash(_ buffer: UnsafeBufferPointer<UInt8>, _ labels: [LabelSpan], excluding: [UInt8]) -> UInt64 {
        var combined: UInt64 = 0x5851_F42D_4C95_7F2D
        for label in labels where excluding.isEmpty || !sameBytes(buffer, label.nameRange, excluding) {
            let nameHash = ByteScanning.hash(buffer, label.nameRange)
            let valueHash = ByteScanning.hash(buffer, label.valueRange)
            combined &+= (nameHash ^ (valueHash &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        }
        return combined
    }
}

func quoted(_ bytes: [UInt8]) -> String {
    bytes.withUnsafeBufferPointer { quoted($0, 0..<$0.count) }
}
