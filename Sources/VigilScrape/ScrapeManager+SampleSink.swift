import VigilCore

/// The sample sink: the raw samples of the series a consumer (the diagnosis recorder) admits, handed
/// on once per scrape.
extension ScrapeManager {
    /// Attaches `sink` (nil detaches): from the next scrape on, it is asked once per series whether it
    /// wants its samples, and gets those it wants.
    public func attach(_ sink: (any SampleSink)?) {
        sampleSink = sink
        sinkHandles = []
    }

    /// Forgets the sink's answers, so every series is asked again at its next sample (the sink's
    /// selection changed, e.g. the rules were reloaded).
    public func reselectSamples() {
        sinkHandles = []
    }

    /// Hands the samples of a scrape (its `up` and `scrape_*` series included) whose series the sink
    /// admitted on to it, in one batch.
    func forward(
        _ batch: ScrapeBatch,
        state: TargetState,
        result: ScrapeResult,
        at time: Double,
        to sink: any SampleSink
    ) {
        if sinkHandles.count < store.count {
            sinkHandles.append(contentsOf: repeatElement(0, count: store.count - sinkHandles.count))
        }
        var samples = sinkSamples
        sinkSamples = []
        samples.removeAll(keepingCapacity: true)
        for observation in batch {
            append(observation.series, observation.value, observation.timestamp, to: &samples, sink)
        }
        append(state.synthetic.up, result.up ? 1 : 0, time, to: &samples, sink)
        append(state.synthetic.duration, result.duration, time, to: &samples, sink)
        append(state.synthetic.samples, Double(result.samplesScraped), time, to: &samples, sink)
        if !samples.isEmpty { sink.record(samples) }
        sinkSamples = samples
    }

    /// Appends a sample for the sink if it wants the series, asking it on the series's first sample.
    private func append(
        _ series: StoreRef,
        _ value: Double,
        _ timestamp: Double,
        to samples: inout [SampleSinkSample],
        _ sink: any SampleSink
    ) {
        let index = Int(series.index)
        var mapped = sinkHandles[index]
        if mapped == 0 {
            let labels = Dictionary(
                store.labels(of: series).pairs(in: store.symbols).map { ($0.name, $0.value) },
                uniquingKeysWith: { first, _ in first }
            )
            mapped = sink.admit(labels: labels, role: store.role(of: series)).map { $0.value + 1 } ?? .max
            sinkHandles[index] = mapped
        }
        guard mapped != .max else { return }
        samples.append(SampleSinkSample(series: SampleSinkHandle(mapped - 1), value: value, timestamp: timestamp))
    }
}
