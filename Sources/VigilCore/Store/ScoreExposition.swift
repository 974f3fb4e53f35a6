/// Writes `vigil_anomaly_score` for every scored series of a store in the Prometheus text format,
/// straight from the store's arrays: no registry object per series, no string per sample. The score is
/// written with six decimals by hand (it lies in 0…1), so a series costs only its bytes in the output.
///
/// The original metric name goes into the `metric` label (a series has one `__name__`, and it is
/// `vigil_anomaly_score` here); an exposed label already named `metric` or `detector` is renamed
/// `exported_metric` / `exported_detector` — prefixed again while that name is taken too — as Prometheus
/// renames clashing labels. (Vigil scraping its own `/metrics` meets exactly that.)
public struct ScoreExposition {
    public static let header = Array(
        """
        # HELP vigil_anomaly_score How anomalous the series's latest sample is, 0 (normal) to 1; a gauge's \
        value or a counter's rate is scored.
        # TYPE vigil_anomaly_score gauge

        """.utf8
    )

    public let detector: String

    public init(detector: String = "ensemble") { self.detector = detector }

    /// Appends the scores of the series from `cursor` on to `output` until it holds at least
    /// `chunkBytes` bytes; returns the cursor to continue from, or nil when every series has been
    /// written. Start with 0. The cursor is a series serial (``SeriesStore/serial(of:)``), not an index:
    /// a compaction between two chunks renumbers series, and an index cursor then skipped or repeated
    /// some in one response.
    public func write(_ store: SeriesStore, from cursor: Int, into output: inout [UInt8], chunkBytes: Int) -> Int? {
        let symbols = store.symbols
        let reserved = (symbols.intern("__name__"), symbols.intern("metric"), symbols.intern("detector"))
        var index = store.firstIndex(atOrAfterSerial: UInt64(max(0, cursor)))
        while index < store.count {
            let ref = StoreRef(index: UInt32(index))
            index += 1
            guard let score = store.score(of: ref) else { continue }
            writeSeries(store.labelPairs(of: ref), score: score, symbols: symbols, reserved: reserved, into: &output)
            if output.count >= chunkBytes {
                return index < store.count ? Int(store.serial(of: StoreRef(index: UInt32(index)))) : nil
            }
        }
        return nil
    }

    private func writeSeries(
        _ labels: ArraySlice<LabelSet.Label>,
        score: Double,
        symbols: SymbolTable,
        reserved: (name: Symbol, metric: Symbol, detector: Symbol),
        into output: inout [UInt8]
    ) {
        output.append(contentsOf: "vigil_anomaly_score{".utf8)
        for label in labels {
            if label.name == reserved.name {
                output.append(contentsOf: "metric".utf8)
            } else if label.name == reserved.metric || label.name == reserved.detector {
                output.append(
                    contentsOf: Self.exportedName(symbols[label.name], avoiding: labels, symbols: symbols).utf8
                )
            } else {
                var name = symbols[label.name]
                name.withUTF8 { output.append(contentsOf: $0) }
            }
            output.append(contentsOf: "=\"".utf8)
            Self.appendEscaped(symbols[label.value], to: &output)
            output.append(contentsOf: "\",".utf8)
        }
        output.append(contentsOf: "detector=\"".utf8)
        output.append(contentsOf: detector.utf8)
        output.append(contentsOf: "\"} ".utf8)
        Self.appendFixed(score, to: &output)
        output.append(UInt8(ascii: "\n"))
    }

    /// `exported_<name>`, prefixed again while the series already has a label of that name.
    static func exportedName(
        _ name: String,
        avoiding labels: ArraySlice<LabelSet.Label>,
        symbols: SymbolTable
    ) -> String {
        var renamed = "exported_" + name
        while labels.contains(where: { symbols[$0.name] == renamed }) { renamed = "exported_" + renamed }
        return renamed
    }

    static func appendEscaped(_ value: String, to output: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in
            // Almost no value needs escaping: copy those whole, and only walk the rest byte by byte.
            guard
                bytes.contains(where: {
                    $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n")
                })
            else { return output.append(contentsOf: bytes) }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\n"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                default: output.append(byte)
                }
            }
        }
    }

    /// `value` (0…1) with six decimals, rounded to nearest.
    static func appendFixed(_ value: Double, to output: inout [UInt8]) {
        let micros = Int((min(max(value, 0), 1) * 1_000_000).rounded())
        output.append(UInt8(ascii: "0") + UInt8(micros / 1_000_000))
        output.append(UInt8(ascii: "."))
        var fraction = micros % 1_000_000
        var divisor = 100_000
        for _ in 0..<6 {
            output.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }
}
