/// How strictly an OpenMetrics body is read (text 0.0.4 is always read as Prometheus's scraper reads it).
public enum OpenMetricsReading: Sendable {
    /// Exactly the specification, as its conformance suite checks it: `vigil lint`, `vigil parse`,
    /// recorded scenarios.
    case specification
    /// As Prometheus's scraper reads it (`textparse.OpenMetricsParser`): the line grammar, `# EOF` and
    /// nothing after it, a UNIT that ends its metric's name, label values in UTF-8, values as Go's
    /// `ParseFloat` reads them (an overflow such as `1e400` is an error, not infinity) — but none of the
    /// rules across lines the specification adds (families and their suffixes, grouping and ordering,
    /// counter and histogram values, where exemplars may be), nor an exemplar's label length or repeated
    /// names; and a trailing comma in a label set is taken. Scrapes (and `vigil bench parse`, which
    /// measures their parse) read so: a target Prometheus scrapes is not down for Vigil (a counter exposed
    /// without `_total`, an exemplar on a gauge).
    case prometheus
}
