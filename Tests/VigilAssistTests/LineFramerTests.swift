import Testing

@testable import VigilCLI

/// `vigil mcp`'s framing of standard input: whole lines out, and a line over the limit refused once,
/// its bytes dropped and never held.
@Suite struct LineFramerTests {
    @Test func cutsLinesAcrossReads() {
        var framer = LineFramer(maxLineBytes: 64)
        #expect(framer.feed(Array("{\"a\":".utf8)) == [])
        #expect(
            framer.feed(Array("1}\n\n{\"b\":2}\n{\"c\"".utf8)) == [
                .line(Array("{\"a\":1}".utf8)), .line(Array("{\"b\":2}".utf8)),
            ]
        )
        #expect(framer.buffered == 4)
    }

    @Test func aHugeLineIsRefusedOnceAndNeverHeld() {
        // Two megabytes without a newline, in reads of 64 KiB, then a message.
        var framer = LineFramer(maxLineBytes: 256 * 1024)
        let read = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
        var pieces: [LineFramer.Piece] = []
        for _ in 0..<32 {
            pieces += framer.feed(read)
            #expect(framer.buffered <= 256 * 1024)
        }
        #expect(pieces == [.overlong])
        #expect(framer.feed(Array("tail\n{\"id\":3}\n".utf8)) == [.line(Array("{\"id\":3}".utf8))])
        #expect(framer.buffered == 0)
    }

    @Test func aLineOfExactlyTheLimitPasses() {
        var framer = LineFramer(maxLineBytes: 8)
        #expect(
            framer.feed(Array("12345678\n123456789\nok\n".utf8)) == [
                .line(Array("12345678".utf8)), .overlong, .line(Array("ok".utf8)),
            ]
        )
    }
}
