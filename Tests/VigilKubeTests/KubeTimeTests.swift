import Foundation
import Testing

@testable import VigilKube

/// The hand-written RFC 3339 reader agrees with Foundation's ISO 8601 format styles on every form
/// Kubernetes and Alertmanager write, and leaves everything else to them.
struct KubeTimeTests {
    private static let plain = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    private static func foundation(_ text: String) -> Double? {
        ((try? plain.parse(text)) ?? (try? fractional.parse(text)))?.timeIntervalSince1970
    }

    @Test func agreesWithFoundationOnGeneratedTimes() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let year = Int.random(in: 1971...2099, using: &generator)
            let month = Int.random(in: 1...12, using: &generator)
            let day = Int.random(in: 1...28, using: &generator)
            let hour = Int.random(in: 0...23, using: &generator)
            let minute = Int.random(in: 0...59, using: &generator)
            let second = Int.random(in: 0...59, using: &generator)
            var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second)
            switch Int.random(in: 0...2, using: &generator) {
            case 0: break
            case 1: text += "." + String(format: "%03d", Int.random(in: 0...999, using: &generator))
            default: text += "." + String(format: "%06d", Int.random(in: 0...999_999, using: &generator))
            }
            let offsetMinutes = Int.random(in: -12 * 60...14 * 60, using: &generator)
            text +=
                offsetMinutes == 0 || Bool.random(using: &generator)
                ? "Z"
                : String(
                    format: "%@%02d:%02d",
                    offsetMinutes < 0 ? "-" : "+",
                    abs(offsetMinutes) / 60,
                    abs(offsetMinutes) % 60
                )
            let expected = try #require(Self.foundation(text), "Foundation refuses \(text)")
            let read = try #require(KubeTime.rfc3339(text), "\(text)")
            #expect(abs(read - expected) < 1e-6, "\(text): \(read) vs \(expected)")
        }
    }

    @Test func knownAnswers() {
        #expect(KubeTime.rfc3339("1970-01-01T00:00:00Z") == 0)
        #expect(KubeTime.rfc3339("2000-02-29T12:00:00Z") == 951_825_600)
        #expect(KubeTime.rfc3339("2026-11-29T16:02:02.5+01:00") == 1_795_964_522.5)
        // Alertmanager's "not ended": year 1.
        #expect(KubeTime.rfc3339("0001-01-01T00:00:00Z") == -62_135_596_800)
    }

    @Test(arguments: [
        "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T16:02:02",
        "2026-11-29 16:02:02Z", "2026-11-29T16:02:02.Z", "2026-11-29T16:02:02Zjunk", "2026-11-29T16:02:02+0100", "",
        "yesterday",
    ])
    func theRestIsLeftToFoundation(_ text: String) {
        #expect(KubeTime.rfc3339(text) == nil)
        #expect(KubeTime.seconds(text) == Self.foundation(text))
    }
}
