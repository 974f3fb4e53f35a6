/// The user info of a URL (`http://user:secret@host/…`): libcurl sends it as basic authentication,
/// but nothing Vigil shows may carry the password. Prometheus's API shows such a URL as
/// `http://user:<secret>@host/…`, and its `instance` label never holds user info.
public enum URLUserInfo {
    /// `url` with the password (everything after the first `:` of the user info) replaced by
    /// `<secret>`; a URL without a password is returned as it is.
    public static func redacted(_ url: String) -> String {
        guard let (userInfo, _) = split(url), let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<url.index(after: colon)]) + "<secret>" + String(url[userInfo.endIndex...])
    }

    /// The URL's `host:port` (its authority without any user info).
    public static func hostAndPort(_ url: String) -> String {
        let authority = self.authority(url)
        return String(authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority)
    }

    /// Whether the URL carries user info.
    public static func hasUserInfo(_ url: String) -> Bool { split(url) != nil }

    /// The user info (without its `@`) and the authority it belongs to.
    private static func split(_ url: String) -> (userInfo: Substring, authority: Substring)? {
        let authority = self.authority(url)
        guard let at = authority.lastIndex(of: "@") else { return nil }
        return (authority[..<at], authority)
    }

    private static func authority(_ url: String) -> Substring {
        var rest = Substring(url)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
        return rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    }
}
