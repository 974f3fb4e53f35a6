/// A scrape's samples bound for store series, read where they lie: the parsed samples, and for each
/// series of the scrape's cache the store series it maps to. Nothing is copied per sample, and nothing
/// is kept between scrapes (a buffer of observations would stay 24 bytes a series resident).
public struct ScrapeBatch: Sequence {
    let samples: [ExpositionStream.Sample]
    let storeRefs: [UInt32]
    let time: Double
    /// The target's scrape interval, in seconds: it sets how long a gap a counter's rate spans
    /// (``CounterRate/staleAfter(interval:)``).
    let interval: Double

    /// The `storeRefs` entry of a series relabelling dropped (0 is one not mapped yet).
    public static let notStored = UInt32.max

    /// The `storeRefs` entry of a series the store refused at its series limit: not stored either, but
    /// kept by relabelling, so it counts towards a sample limit, and it is tried again once there is room.
    public static let refusedByStore = UInt32.max - 1

    /// `storeRefs[n]` is, for the cache's series `n`, the store series's index + 1; 0, ``notStored`` and
    /// ``refusedByStore`` mark a series that is not stored (unmapped, dropped by relabelling, refused at
    /// the series limit), whose samples are skipped. A sample without a timestamp of its own is at `time`
    /// (seconds since the epoch). `interval` is the target's scrape interval in seconds.
    public init(samples: [ExpositionStream.Sample], storeRefs: [UInt32], time: Double, interval: Double) {
        self.samples = samples
        self.storeRefs = storeRefs
        self.time = time
        self.interval = interval
    }

    public struct Iterator: IteratorProtocol {
        private let batch: ScrapeBatch
        private var position = 0

        init(_ batch: ScrapeBatch) { self.batch = batch }

        public mutating func next() -> Observation? {
            while position < batch.samples.count {
                let sample = batch.samples[position]
                position += 1
                let mapped = batch.storeRefs[Int(sample.series.index)]
                guard mapped != 0, mapped < ScrapeBatch.refusedByStore else { continue }
                return Observation(
                    series: StoreRef(index: mapped - 1),
                    value: sample.value,
                    timestamp: sample.timestamp.map { Double($0) / 1000 } ?? batch.time
                )
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator { Iterator(self) }
}
