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
    /// that family's name or the name plus one of the type's suffixes; a sample the last `# TYPE` does
    /// not claim takes its own family's type where this body declared it elsewhere (families
    /// interleaved, ``DeclaredFamilies``; with a cache), and is untyped where it did not.
    public var sampleRole: SampleRole {
        bytes.withUnsafeBufferPointer { sampleRole(in: $0) }
    }

    /// The role of the current sample, whose line is in `buffer`.
    func sampleRole(in buffer: UnsafeBufferPointer<UInt8>) -> SampleRole {
        let name = UnsafeBufferPointer(rebasing: buffer[currentNameRange(buffer)])
        if let role = roleFromLastType(ofSampleNamed: name) { return role }
        return cache?.declaredFamilies.role(ofSampleNamed: name) ?? .gauge
    }

    /// The role the last `# TYPE` gives a sample named `name`, or nil when that family does not claim it.
    private func roleFromLastType(ofSampleNamed name: UnsafeBufferPointer<UInt8>) -> SampleRole? {
        let family = typedFamily
        guard name.count >= family.count, !family.isEmpty else { return nil }
        return family.withUnsafeBytes { familyBytes in
            guard ByteScanning.equal(UnsafeRawPointer(name.baseAddress!), familyBytes.baseAddress!, count: family.count)
            else { return nil }
            let suffix = String(decoding: UnsafeBufferPointer(rebasing: name[family.count...]), as: UTF8.self)
            return Self.role(of: declaredType, suffix: suffix)
        }
    }

    /// The role a sample named the family's name plus `suffix` has, or nil when the type has no such
    /// suffix (`# TYPE foo counter` says nothing about `foo_bar`: another, untyped family's sample).
    static func role(of type: MetricType, suffix: String) -> SampleRole? {
        switch (type, suffix) {
        case (.counter, ""), (.counter, "_total"), (.histogram, "_count"), (.histogram, "_sum"),
            (.summary, "_count"), (.summary, "_sum"):
            .cumulative
        case (.counter, "_created"), (.histogram, "_bucket"), (.histogram, "_created"), (.summary, ""),
            (.summary, "_created"), (.gaugehistogram, "_bucket"):
            .skipped
        case (_, ""), (.gaugehistogram, "_gcount"), (.gaugehistogram, "_gsum"), (.info, "_info"):
            .gauge
        default: nil
        }
    }
}
