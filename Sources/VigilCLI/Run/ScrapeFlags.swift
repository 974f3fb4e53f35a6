import ArgumentParser
import Foundation
import VigilHTTP
import VigilScrape
import VigilYAML

/// The limits and credentials of the one-line `--scrape` targets: what a `scrape_config` would set
/// (`sample_limit`, `body_size_limit`, `basic_auth`, `authorization.credentials_file`), so the sidecar
/// needs no file to be bounded, and no password in its URL.
struct ScrapeFlags: ParsableArguments {
    @Option(
        name: .customLong("sample-limit"),
        help: ArgumentHelp("Most samples one scrape of a --scrape target may hold (0: no limit).", valueName: "n")
    )
    var sampleLimit: String?

    @Option(
        name: .customLong("body-size-limit"),
        help: ArgumentHelp(
            "Most decoded body bytes of a --scrape target, like 10MB (default 256MiB; 0: no limit).",
            valueName: "size"
        )
    )
    var bodySizeLimit: String?

    @Option(
        name: .customLong("scrape-basic-auth-file"),
        help: ArgumentHelp(
            "A file holding USER:PASSWORD for --scrape targets (read at start and reload).",
            valueName: "file"
        )
    )
    var basicAuthFile: String?

    @Option(
        name: .customLong("scrape-bearer-token-file"),
        help: ArgumentHelp(
            "A file holding a bearer token for --scrape targets (re-read at every scrape).",
            valueName: "file"
        )
    )
    var bearerTokenFile: String?

    /// The flags as given, as a plain value (a `ParsableArguments` cannot be read unless parsed).
    var values: Values {
        Values(
            sampleLimit: sampleLimit,
            bodySizeLimit: bodySizeLimit,
            basicAuthFile: basicAuthFile,
            bearerTokenFile: bearerTokenFile
        )
    }

    /// What the flags said; nil for a flag not given.
    struct Values: Sendable {
        var sampleLimit: String?
        var bodySizeLimit: String?
        var basicAuthFile: String?
        var bearerTokenFile: String?

        /// Sets the flags' limits and credentials on `target`; what is wrong goes to `errors`, named by flag.
        func apply(to target: inout ScrapeTarget, errors: inout [String]) {
            if let sampleLimit {
                if let count = Int(sampleLimit), count >= 0 {
                    target.sampleLimit = count
                } else {
                    errors.append(
                        "--sample-limit: expected a count of samples (0 for no limit), got \"\(sampleLimit)\""
                    )
                }
            }
            if let bodySizeLimit {
                if let bytes = DurationSyntax.bytes(bodySizeLimit) {
                    target.bodySizeLimit = bytes
                } else {
                    errors.append("--body-size-limit: expected a size like 10MB, at most 1EB, got \"\(bodySizeLimit)\"")
                }
            }
            if basicAuthFile != nil, bearerTokenFile != nil {
                errors.append("--scrape-basic-auth-file and --scrape-bearer-token-file: give one of them, not both")
            } else if let basicAuthFile {
                switch ScrapeFlags.basicCredentials(in: basicAuthFile) {
                case .success(let authorization): target.authorization = authorization
                case .failure(let error): errors.append("--scrape-basic-auth-file: \(error.description)")
                }
            } else if let bearerTokenFile {
                if FileManager.default.isReadableFile(atPath: bearerTokenFile) {
                    target.authorization = .bearerFile(bearerTokenFile)
                } else {
                    errors.append("--scrape-bearer-token-file: \(bearerTokenFile): cannot be read")
                }
            }
            if target.authorization != nil, URLUserInfo.hasUserInfo(target.url) {
                errors.append(
                    "--scrape: \(target.displayURL) carries user info as well as a credentials file; give one"
                )
            }
        }
    }

    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    /// `USER:PASSWORD` on the file's first line (a trailing line break is ignored).
    static func basicCredentials(in path: String) -> Result<Authorization, Unreadable> {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 64 << 10 else {
            return .failure(Unreadable(description: "\(path): cannot be read (or is over 64 KiB)"))
        }
        let line =
            String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .first.map { $0.hasSuffix("\r") ? $0.dropLast() : $0 } ?? ""
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
            return .failure(Unreadable(description: "\(path):1: expected USER:PASSWORD"))
        }
        return .success(
            .basic(username: String(line[..<colon]), password: String(line[line.index(after: colon)...]))
        )
    }
}
