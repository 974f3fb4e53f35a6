import Testing

@testable import VigilServer

struct HTTPDateTests {
    @Test func formatsRFC9110sExample() {
        // RFC 9110 §5.6.7's example of the preferred format.
        #expect(HTTPDate.format(secondsSince1970: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    @Test func padsEveryFieldToTwoDigits() {
        #expect(HTTPDate.format(secondsSince1970: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        // A leap day, after 2038's 32-bit overflow.
        #expect(HTTPDate.format(secondsSince1970: 3_981_398_399) == "Wed, 29 Feb 2096 23:59:59 GMT")
    }
}
