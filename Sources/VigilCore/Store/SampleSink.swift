/// Where the scrape pipeline hands on the raw samples of the series a consumer chose: the seam through
/// which diagnosis keeps recent history, without the scrape pipeline knowing what a rule is (and
/// without the diagnosis engine knowing how samples are scraped). Defined here, beside the store, so
/// neither side imports the other.
///
/// The scrape manager asks ``admit(labels:role:)`` once per series of its store (again only when its
/// sink's selection changed) and remembers the answer, so a sample of a series the sink does
/// not want costs one array read, and the samples it wants are handed on in one batch per scrape. With
/// no sink attached, ingest does nothing more than before (and allocates nothing more).
///
/// Both methods are called on the manager's actor, between ingests; an implementation that is read
/// from elsewhere must guard its own state.
public protocol SampleSink: AnyObject, Sendable {
    /// A handle for a series whose samples the sink wants, nil for one it does not (or cannot take).
    /// The same labels may be admitted again after a reselection: the sink may answer the same handle.
    func admit(labels: [String: String], role: SampleRole) -> SampleSinkHandle?
    /// One scrape's samples of admitted series (a handle the sink has since let go of is to be ignored).
    func record(_ samples: [SampleSinkSample])
    /// These series left the store (garbage collection): the manager will not send their handles again.
    func release(_ handles: [SampleSinkHandle])
}

/// A sink's name for one series it admitted.
public struct SampleSinkHandle: Hashable, Sendable {
    public let value: UInt32

    /// `value` must be below `UInt32.max - 1` (the manager keeps `value + 1` and `UInt32.max` for itself).
    public init(_ value: UInt32) {
        precondition(value < UInt32.max - 1, "sample sink handle out of range")
        self.value = value
    }
}

/// One sample handed to a ``SampleSink``.
public struct SampleSinkSample: Sendable {
    public var series: SampleSinkHandle
    public var value: Double
    /// Seconds since the epoch.
    public var timestamp: Double

    public init(series: SampleSinkHandle, value: Double, timestamp: Double) {
        self.series = series
        self.value = value
        self.timestamp = timestamp
    }
}
