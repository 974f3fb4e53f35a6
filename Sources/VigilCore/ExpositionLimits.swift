/// Limits that bound what one exposition may make the parser hold.
///
/// They mirror Prometheus's `label_limit`, `label_name_length_limit` and `label_value_length_limit`
/// (where `0` means unlimited, as in Prometheus, and `__name__` counts as a label), plus a line length cap
/// that keeps a hostile body from building one enormous series.
public struct ExpositionLimits: Sendable, Equatable {
    /// Longest accepted line in bytes (0 = unlimited). Default 1 MiB: far beyond any real series.
    public var maxLineBytes: Int
    /// Most labels per series, `__name__` included (0 = unlimited), like `label_limit`.
    public var maxLabels: Int
    /// Longest label name in bytes (0 = unlimited), like `label_name_length_limit`.
    public var maxLabelNameBytes: Int
    /// Longest label value in bytes, metric name included (0 = unlimited), like `label_value_length_limit`.
    public var maxLabelValueBytes: Int

    public init(
        maxLineBytes: Int = 1 << 20,
        maxLabels: Int = 0,
        maxLabelNameBytes: Int = 0,
        maxLabelValueBytes: Int = 0
    ) {
        self.maxLineBytes = maxLineBytes
        self.maxLabels = maxLabels
        self.maxLabelNameBytes = maxLabelNameBytes
        self.maxLabelValueBytes = maxLabelValueBytes
    }

    public static let `default` = ExpositionLimits()
}
