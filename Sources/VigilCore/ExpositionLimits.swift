/// What bounds one exposition's demands on the parser: a line length cap, which keeps a hostile body from
/// building one enormous series.
///
/// Prometheus's label limits (`label_limit` and the name and value lengths) are not the parser's: they
/// judge a series by the labels it is stored with, after target labels and relabelling
/// (`VigilScrape.LabelLimits`).
public struct ExpositionLimits: Sendable, Equatable {
    /// Longest accepted line in bytes (0 = unlimited). Default 1 MiB: far beyond any real series.
    public var maxLineBytes: Int

    public init(maxLineBytes: Int = 1 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    public static let `default` = ExpositionLimits()
}
