import Foundation
import VigilCore
import VigilHTTP
import VigilScrape
import VigilServer

@testable import VigilCLI

/// A reloader of `file` as the daemon builds one (started with `--allow-apply` where asked, authenticating nobody), over a scrape manager holding the file's targets.
func testReloader(_ file: URL, allowApply: Bool = false) throws -> (ConfigReloader, ScrapeManager) {
    let source = RunCommand.ConfigSource(
        file: file.path,
        scrape: [],
        job: "app",
        allowApply: allowApply
    )
    let config = try source.load()
    let manager = ScrapeManager(
        targets: config.targets,
        transport: FixedResponseTransport(body: []),
        store: SeriesStore()
    )
    let reloader = ConfigReloader(
        source: source,
        current: config,
        manager: manager,
        authenticated: false,
        logger: VigilLogging.logger(format: .logfmt, level: "critical")
    )
    return (reloader, manager)
}
