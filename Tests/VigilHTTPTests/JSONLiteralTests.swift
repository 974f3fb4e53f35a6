import Foundation
import Testing

@testable import VigilHTTP

struct JSONLiteralTests {
    @Test func quotesBackslashesAndControlCharactersAreEscaped() {
        #expect("a\"b\\c\nd\re\tf\u{1}g\u{1F}é😀".jsonLiteral == #""a\"b\\c\nd\re\tf\u0001g\u001fé😀""#)
        // Only what RFC 8259 requires: DEL and the line separator U+2028 stay as they are.
        #expect("\u{7F}\u{2028}".jsonLiteral == "\"\u{7F}\u{2028}\"")
    }

    @Test func aJSONReaderReadsBackTheText() throws {
        let text = String(String.UnicodeScalarView((0..<0x80).compactMap(Unicode.Scalar.init))) + "é\u{2028}😀"
        let read = try JSONSerialization.jsonObject(with: Data("[\(text.jsonLiteral)]".utf8)) as? [String]
        #expect(read == [text])
    }
}
