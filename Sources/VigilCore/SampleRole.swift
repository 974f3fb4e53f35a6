/// How the pipeline reads a sample, decided by the `# TYPE` of the family it belongs to.
///
/// Detectors watch what an SRE would graph: a gauge as it is, a counter as its per-second rate (a raw
/// counter only ever grows, so every value would be "new"). Histogram buckets and summary quantiles are
/// left to the rules: a histogram with 12 buckets would otherwise cost 12 detectors for one latency.
public enum SampleRole: UInt8, Sendable {
    /// Scored as it is: gauges, untyped samples, info and stateset values.
    case gauge
    /// Cumulative: scored as a per-second rate (counters, and the `_count`/`_sum` of histograms and
    /// summaries).
    case cumulative
    /// Kept out of detection by default (buckets, quantiles, `_created`).
    case skipped
}

extension ExpositionParser {
    /// The role of the current sample. Its family's `# TYPE` applies only when the sample's name is
    /// that family's name or the name plus one of the type's suffixes; any other sample is untyped,
    /// whatever `# TYPE` came before it.
    public var sampleRole: SampleRole {
        bytes.withUnsafeBufferPointer { sampleRole(in: $0) }
    }

    /// The role of the current sample, whose line is in `buffer`.
    func sampleRole(in buffer: UnsafeBufferPointer<UInt8>) -> SampleRole {
        let name = currentNameRange(buffer)
        let family = typedFamily
        guard name.count >= family.count, !family.isEmpty else { return .gauge }
        return family.withUnsafeBytes { familyBytes in
            guard
                ByteScanning.equal(
                    UnsafeRawPointer(buffer.baseAddress! + name.lowerBound),
                    familyBytes.baseAddress!,
                    count: family.count
                )
            else { return .gauge }
            let suffix = String(
                decoding: UnsafeBufferPointer(rebasing: buffer[(name.lowerBound + family.count)..<name.upperBound]),
                as: UTF8.self
            )
            return Self.role(of: declaredType, suffix: suffix)
        }
    }

    /// A suffix the type does not know means the sample is another, untyped family's (`# TYPE foo
    /// counter` says nothing about `foo_bar`).
    static func role(of type: MetricType, suffix: String) -> SampleRole {
        switch (type, suffix) {
        case (.counter, ""), (.counter, "_total"), (.histogram, "_count"), (.histogram, "_sum"),
            (.summary, "_count"), (.summary, "_sum"):
            .cumulative
        case (.counter, "_created"), (.histogram, "_bucket"), (.histogram, "_created"), (.summary, ""),
            (.summary, "_created"), (.gaugehistogram, "_bucket"):
            .skipped
        default: .gauge
        }
    }
}
