import Foundation

extension CharacterSet {
    /// RFC 3986's unreserved characters, ASCII only (`CharacterSet.alphanumerics` has every script's
    /// letters): what a URL carries unescaped in any part, and all Go's `url.QueryEscape` leaves as is.
    public static let urlUnreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )
}
