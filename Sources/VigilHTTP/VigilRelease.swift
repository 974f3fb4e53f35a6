/// Which Vigil this is, in one place so that what it says of itself never disagrees: `vigil --version`,
/// the `User-Agent` of every request it sends, the daemon's `vigil_build_info` and the MCP server's
/// `serverInfo`.
public enum VigilRelease {
    /// Semantic versioning; raised with every change UPGRADING.md lists.
    public static let version = "0.1.0"

    /// `vigil/0.1.0`: how scrape targets, Prometheus, Alertmanager and the API server's audit log see it.
    public static var userAgent: String { "vigil/\(version)" }
}
