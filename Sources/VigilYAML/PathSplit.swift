/// A path's directory and last component, split at its last `/` here: Foundation's
/// `NSString.deletingLastPathComponent` traps on a path of one character (Swift 6.3.1 on Linux), and a
/// rule file, a configuration or a log named `a` must not crash a command. Trailing slashes are left out,
/// as NSString leaves them out.
public enum PathSplit {
    /// `a/b` → `a`, `/b` → `/`, `b` → "" (no directory), `a/b/` → `a`, `/` → `/`.
    public static func directory(of path: String) -> String {
        let trimmed = trimmingTrailingSlashes(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed == "/" ? "/" : "" }
        let directory = trimmingTrailingSlashes(String(trimmed[..<slash]))
        return directory.isEmpty ? "/" : directory
    }

    /// `a/b` → `b`, `b` → `b`, `a/b/` → `b`, `/` → `/`.
    public static func lastComponent(of path: String) -> String {
        let trimmed = trimmingTrailingSlashes(path)
        guard trimmed != "/", let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// The path without slashes at its end, `/` for a path of slashes only.
    private static func trimmingTrailingSlashes(_ path: String) -> String {
        var end = path.endIndex
        while end > path.startIndex, path[path.index(before: end)] == "/" { end = path.index(before: end) }
        return end == path.startIndex && !path.isEmpty ? "/" : String(path[..<end])
    }
}
