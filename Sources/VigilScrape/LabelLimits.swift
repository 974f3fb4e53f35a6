import VigilCore

/// Prometheus's `label_limit`, `label_name_length_limit` and `label_value_length_limit` (0 = unlimited).
///
/// Checked where Prometheus checks them: on the labels a series is stored with — after the target's labels
/// are attached and metric relabelling ran, so `job` and `instance` count and a label with an empty value
/// (no label) does not — on unescaped names and values, in bytes, with `__name__` counted as a label. A series is
/// checked once, when first seen (Prometheus checks on a miss of its scrape cache), and one over a limit
/// fails the whole scrape. What bounds the parser's memory is not these but the line length
/// (``VigilCore/ExpositionLimits``) and the body size limit (and the sample limit, where the scraper
/// applies it: without label limits and relabelling).
public struct LabelLimits: Sendable, Equatable {
    /// Most labels per series, `__name__` included.
    public var labels: Int
    /// Longest label name, in bytes.
    public var nameLength: Int
    /// Longest label value, in bytes (the metric name is the value of `__name__`).
    public var valueLength: Int

    public init(labels: Int = 0, nameLength: Int = 0, valueLength: Int = 0) {
        self.labels = labels
        self.nameLength = nameLength
        self.valueLength = valueLength
    }

    /// No limit: Prometheus's default.
    public static let none = LabelLimits()

    /// Why `series` (its stored labels) breaks a limit, in Prometheus's words (`verifyLabelLimits`); nil
    /// when it breaks none. Labels are judged in name order, as Prometheus's sorted label set is, so the
    /// label named is the one Prometheus names.
    func violation(_ series: [(name: String, value: String)]) -> String? {
        if self == .none { return nil }
        let metric = Self.cut(series.first { $0.name == "__name__" }?.value ?? "")
        if labels > 0, series.count > labels {
            return "label_limit exceeded (metric: \(metric), number of labels: \(series.count), limit: \(labels))"
        }
        let ordered = series.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        for label in ordered {
            if nameLength > 0, label.name.utf8.count > nameLength {
                return "label_name_length_limit exceeded (metric: \(metric), label name: \(Self.cut(label.name)), "
                    + "length: \(label.name.utf8.count), limit: \(nameLength))"
            }
            if valueLength > 0, label.value.utf8.count > valueLength {
                return "label_value_length_limit exceeded (metric: \(metric), label name: \(Self.cut(label.name)), "
                    + "value: \(goQuoted(Self.cut(label.value))), length: \(label.value.utf8.count), "
                    + "limit: \(valueLength))"
            }
        }
        return nil
    }

    /// Go's `%.50s`: the first 50 characters (runes), so a hostile name cannot fill the log line.
    private static func cut(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(50)))
    }
}
