/// A ConfigMap every replica pins its proposals on, one `data` key per proposal id, so that the holder
/// of the remediation lease sees what the others proposed: the handover goes through the API server, as
/// the election does, not through a protocol of Vigil's own. A key is added only if absent (replicas that
/// propose the same fix of the same incident share one entry), every write carries the resourceVersion
/// it read (a concurrent writer's 409 makes it read again), and the board is bounded in entries and in
/// bytes per entry, so a replica gone wrong cannot grow it without end.
public actor ProposalBoard {
    public nonisolated let namespace: String
    public nonisolated let name: String
    /// The most entries the board holds; a pin past it is refused (``Pinned/full``).
    public nonisolated let entryLimit: Int
    /// The most bytes one entry's value may have.
    public nonisolated let valueLimit: Int
    /// The most bytes of keys and values a ConfigMap may hold (the API server refuses more with a 422):
    /// 64 entries of 16 KiB are already more.
    public static let dataLimit = 1_048_576
    private let client: KubeClient

    /// The bytes of `data`'s keys and values, as the API server counts them against ``dataLimit``.
    static func bytes(of data: [String: String]) -> Int {
        data.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
    }

    /// The answer to ``pin(_:_:)``.
    public enum Pinned: Sendable, Equatable {
        /// The entry is on the board now.
        case pinned
        /// An entry with this key was there already (another replica proposed the same fix).
        case present
        /// The board holds ``entryLimit`` entries, or the entry would take it past ``dataLimit`` bytes.
        case full
        /// The value is longer than ``valueLimit``.
        case tooLarge
        /// The board could not be read or written: the server's words.
        case unavailable(String)
    }

    public init(namespace: String, name: String, client: KubeClient, entryLimit: Int = 64, valueLimit: Int = 16_384) {
        self.namespace = namespace
        self.name = name
        self.client = client
        self.entryLimit = entryLimit
        self.valueLimit = valueLimit
    }

    /// Adds `value` under `key` if the board has no such key (create-if-absent).
    public func pin(_ key: String, _ value: String) async -> Pinned {
        guard value.utf8.count <= valueLimit else { return .tooLarge }
        var outcome = Pinned.pinned
        let edited = await edit { data in
            if data[key] != nil {
                outcome = .present
                return nil
            }
            guard data.count < self.entryLimit,
                Self.bytes(of: data) + key.utf8.count + value.utf8.count <= Self.dataLimit
            else {
                outcome = .full
                return nil
            }
            outcome = .pinned
            var data = data
            data[key] = value
            return data
        }
        if case .failure(let error) = edited { return .unavailable(error.description) }
        return outcome
    }

    /// Removes the entries with these keys (those absent are no matter); whether the board says so now.
    @discardableResult
    public func unpin(_ keys: Set<String>) async -> Bool {
        guard !keys.isEmpty else { return true }
        let edited = await edit { data in
            let kept = data.filter { !keys.contains($0.key) }
            return kept.count == data.count ? nil : kept
        }
        if case .failure = edited { return false }
        return true
    }

    /// Rewrites the entries with these keys in one write on the version read: `change` gets each one's
    /// key and value and answers its new value, or nil to remove it. It cannot add an entry, and a new
    /// value longer than ``valueLimit``, or one that would take the board past ``dataLimit``, leaves the
    /// entry as it was. The keys among `keys` that were on the board; nil when it could not be read or
    /// written.
    public func revise(_ keys: Set<String>, _ change: @Sendable (String, String) -> String?) async -> Set<String>? {
        guard !keys.isEmpty else { return [] }
        var present: Set<String> = []
        let edited = await edit { data in
            present = Set(data.keys).intersection(keys)
            var revised = data
            var bytes = Self.bytes(of: data)
            for key in present.sorted() {
                guard let old = data[key] else { continue }
                let new = change(key, old)
                if let new, new.utf8.count > self.valueLimit { continue }
                // Within the ConfigMap's bytes too: a board pinned full to them, one longer value refused
                // by the server failed the whole write, every round, and live entries went stale.
                let grown = (new?.utf8.count ?? -key.utf8.count) - old.utf8.count
                if grown > 0, bytes + grown > Self.dataLimit { continue }
                bytes += grown
                revised[key] = new
            }
            return revised == data ? nil : revised
        }
        if case .failure = edited { return nil }
        return present
    }

    /// Every entry by key; empty when there is no board yet, nil when it cannot be read.
    public func entries() async -> [String: String]? {
        switch await read() {
        case .success(let read): read?.data ?? [:]
        case .failure: nil
        }
    }

    private var objectPath: String { "/api/v1/namespaces/\(namespace)/configmaps/\(name)" }

    /// The ConfigMap as the server holds it (nil: there is none), with its `data` as strings.
    private func read() async -> Result<(object: [String: Any], data: [String: String])?, KubeError> {
        do throws(KubeError) {
            let object = KubeClient.object(try await client.send(KubeRequest(method: "GET", path: objectPath)))
            let data = (object["data"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
            return .success((object, data))
        } catch {
            return error.code == 404 ? .success(nil) : .failure(error)
        }
    }

    /// Reads the board and writes `change`'s data back on the version read (creating the ConfigMap when
    /// there is none); `change` returning nil writes nothing. A conflict (another replica wrote between
    /// the read and the write) reads again, a few times.
    private func edit(_ change: ([String: String]) -> [String: String]?) async -> Result<Void, KubeError> {
        var lastError = KubeError(code: 409, reason: "Conflict", message: "the board kept changing under this write")
        for _ in 0..<4 {
            let current: (object: [String: Any], data: [String: String])?
            switch await read() {
            case .success(let read): current = read
            case .failure(let error): return .failure(error)
            }
            guard let data = change(current?.data ?? [:]) else { return .success(()) }
            var object =
                current?.object ?? [
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": [
                        "name": name, "namespace": namespace,
                        "labels": ["app.kubernetes.io/name": "vigil", "app.kubernetes.io/component": "proposals"],
                    ],
                ]
            object["data"] = data
            let request =
                current == nil
                ? KubeRequest(
                    method: "POST",
                    path: "/api/v1/namespaces/\(namespace)/configmaps",
                    contentType: "application/json",
                    body: KubeAction.json(object)
                )
                : KubeRequest(
                    method: "PUT",
                    path: objectPath,
                    contentType: "application/json",
                    body: KubeAction.json(object)
                )
            do throws(KubeError) {
                _ = try await client.send(request)
                return .success(())
            } catch {
                // 409: a conflicting update, or a create that lost to another replica's.
                guard error.code == 409 else { return .failure(error) }
                lastError = error
            }
        }
        return .failure(lastError)
    }
}
