import Foundation
import Testing

@testable import VigilCore

/// The cached path must agree with the full lexer on every line, and never accept what it rejects.
struct SeriesCacheTests {
    static let bodies: [(String, [UInt8])] =
        SyntheticExposition.Shape.allCases.map {
            ($0.rawValue, SyntheticExposition.generate($0, samples: 3000, seed: 7))
        } + [
            ("spacing", Array("a 1\na  2 \na{b=\"c\"} 3 4\na{b=\"c\"}5\na { b=\"c\" } 6 7\na{b=\"c d\"} 8 9\n".utf8)),
            (
                "node_exporter",
                (try? [UInt8](contentsOf: repositoryRoot.appendingPathComponent("sample-metrics/node_exporter.prom")))
                    ?? []
            ),
        ]

    @Test(arguments: bodies.map(\.0))
    func cachedParseEqualsFullParse(_ name: String) throws {
        let body = try #require(Self.bodies.first { $0.0 == name }?.1)
        #expect(!body.isEmpty)
        let reference = try samples(body)
        let cache = SeriesCache()
        for scrape in 0..<3 {
            cache.beginScrape()
            let cached = try samples(body, cache: cache)
            #expect(cached == reference, "scrape \(scrape)")
        }
    }

    @Test func repeatedScrapeResolvesTheSameRefs() throws {
        let body = SyntheticExposition.generate(.histogram, samples: 500)
        let cache = SeriesCache()
        func refs() throws -> [SeriesRef] {
            cache.beginScrape()
            var parser = ExpositionParser(bytes: body, format: .prometheusText, cache: cache)
            var out: [SeriesRef] = []
            while let entry = try parser.next() {
                if entry == .sample { out.append(try #require(parser.seriesRef)) }
            }
            return out
        }
        let first = try refs()
        let second = try refs()
        #expect(first == second)
        #expect(Set(first).count == first.count)
        #expect(cache.seriesCount == first.count)
    }

    @Test func twoSpellingsOfOneSeriesShareARef() throws {
        let cache = SeriesCache()
        var parser = ExpositionParser(
            bytes: Array("a{x=\"1\",y=\"2\"} 1\na{y=\"2\", x=\"1\"} 2\n".utf8),
            format: .prometheusText,
            cache: cache
        )
        _ = try parser.next()
        let first = parser.seriesRef
        _ = try parser.next()
        #expect(parser.seriesRef == first)
        #expect(cache.seriesCount == 1)
        #expect(cache.keyCount == 2)
    }

    @Test func respellingsFindTheirSeriesAmongAThousand() throws {
        // Past several rebuilds of the label-hash index: a series written with its labels in the other
        // order, in a later scrape, still gets the ref it was given first.
        let cache = SeriesCache()
        func refs(_ body: String) throws -> [SeriesRef] {
            var parser = ExpositionParser(bytes: Array(body.utf8), format: .prometheusText, cache: cache)
            var refs: [SeriesRef] = []
            while try parser.next() != nil { refs.append(try #require(parser.seriesRef)) }
            return refs
        }
        let series = 0..<1_000
        let first = try refs(series.map { "a{x=\"\($0)\",y=\"\($0 % 7)\"} 1\n" }.joined())
        #expect(Set(first).count == 1_000)
        let respelled = Array(stride(from: 0, to: 1_000, by: 37))
        let again = try refs(respelled.map { "a{y=\"\($0 % 7)\",x=\"\($0)\"} 2\n" }.joined())
        #expect(again == respelled.map { first[$0] })
        #expect(cache.seriesCount == 1_000)
        #expect(cache.keyCount == 1_000 + respelled.count)
    }

    @Test(arguments: ["a{b=\"c\"}1\n", " a 1\n", "a{b=\"c\"} 1 2\n"])
    func linesTheFastPathCannotSplitStillGetARef(_ line: String) throws {
        let cache = SeriesCache()
        for _ in 0..<2 {
            var parser = ExpositionParser(bytes: Array(line.utf8), format: .prometheusText, cache: cache)
            #expect(try parser.next() == .sample)
            #expect(parser.seriesRef == SeriesRef(index: 0))
        }
        #expect(cache.seriesCount == 1)
    }

    @Test func openMetricsSamplesResolveThroughTheCache() throws {
        let cache = SeriesCache()
        var parser = ExpositionParser(
            bytes: Array("# TYPE a counter\na_total{x=\"1\"} 1\n# EOF\n".utf8),
            format: .openMetrics,
            cache: cache
        )
        #expect(try parser.next() == .type)
        #expect(try parser.next() == .sample)
        let ref = try #require(parser.seriesRef)
        #expect(LabelSet.description(of: cache.labels(of: ref) ?? []) == "a_total{x=\"1\"}")
    }

    @Test func knownSeriesWithBadValueIsStillRejected() throws {
        let cache = SeriesCache()
        _ = try samples("a{b=\"c\"} 1\n", cache: cache)
        cache.beginScrape()
        #expect(throws: ExpositionError(line: 1, column: 10, message: "invalid value \"x\"")) {
            _ = try samples("a{b=\"c\"} x\n", cache: cache)
        }
        #expect(throws: ExpositionError(line: 1, column: 12, message: "expected timestamp or new record, got \"-1\"")) {
            _ = try samples("a{b=\"c\"} 1 -1\n", cache: cache)
        }
        #expect(
            throws: ExpositionError(
                line: 1,
                column: 11,
                message: "unexpected end of input: the last line must end with a line break"
            )
        ) {
            _ = try samples("a{b=\"c\"} 1", cache: cache)
        }
    }

    @Test func labelsOfCachedSamplesComeFromTheCache() throws {
        let cache = SeriesCache()
        let body = Array("a{b=\"q\\\"\"} 1\n".utf8)
        _ = try samples(body, cache: cache)
        var parser = ExpositionParser(bytes: body, format: .prometheusText, cache: cache)
        #expect(try parser.next() == .sample)
        #expect(parser.labels.map { "\($0.name)=\($0.value)" } == ["b=q\""])
        #expect(parser.metricName == "a")
    }

    @Test func labelSetsSortAndRender() {
        let symbols = SymbolTable()
        let set = LabelSet([("zone", "a\"b"), ("__name__", "up"), ("job", "node")], symbols: symbols)
        #expect(set.description(in: symbols) == "up{job=\"node\", zone=\"a\\\"b\"}")
        #expect(set == LabelSet([("job", "node"), ("__name__", "up"), ("zone", "a\"b")], symbols: symbols))
        #expect(symbols.count == 6)
    }

    @Test func releasedSymbolsAreReusedAndKeptOnesKeepTheirStrings() {
        let symbols = SymbolTable()
        let kept = LabelSet([("__name__", "up"), ("pod", "stays"), ("note", "")], symbols: symbols)
        for pod in 0..<100 { _ = LabelSet([("__name__", "up"), ("pod", "p\(pod)")], symbols: symbols) }
        #expect(symbols.count == 106)
        symbols.release(keepingOnlySymbolsOf: kept.labels)
        #expect(symbols.count == 6)
        #expect(symbols.existing("p7") == nil)
        #expect(kept.description(in: symbols) == "up{note=\"\", pod=\"stays\"}")
        // Releasing again passes over the released slots (which hold ""), and keeps the real "".
        symbols.release(keepingOnlySymbolsOf: kept.labels)
        #expect(symbols.count == 6)
        #expect(symbols.existing("") != nil)
        // New strings take released ids: the table does not grow.
        let later = (0..<100).map { symbols.intern("q\($0)") }
        #expect(Set(later.map(\.id)).count == 100)
        #expect(later.allSatisfy { $0.id < 106 })
        #expect(symbols[later[42]] == "q42")
        #expect(kept.description(in: symbols) == "up{note=\"\", pod=\"stays\"}")
    }

    @Test func symbolsAreInternedByTheirBytes() {
        // Canonically equivalent to Swift's String ==, different bytes: two symbols, each kept as sent.
        let symbols = SymbolTable()
        let composed = symbols.intern("caf\u{E9}")
        let decomposed = symbols.intern("cafe\u{301}")
        #expect(composed != decomposed)
        #expect(Array(symbols[composed].utf8) == [0x63, 0x61, 0x66, 0xC3, 0xA9])
        #expect(Array(symbols[decomposed].utf8) == [0x63, 0x61, 0x66, 0x65, 0xCC, 0x81])
        #expect(symbols.intern("caf\u{E9}") == composed)
        #expect(symbols.count == 2)
        #expect(
            LabelSet([("page", "caf\u{E9}")], symbols: symbols) != LabelSet([("page", "cafe\u{301}")], symbols: symbols)
        )
    }
}
