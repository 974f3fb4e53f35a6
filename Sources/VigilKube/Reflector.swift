import Foundation

/// What a ``Reflector`` reports: the whole collection after a (re)list, then each change.
public enum ReflectorEvent: Sendable, Equatable {
    /// The collection as listed: replaces everything known before (a relist after a 410 included).
    case listed([[UInt8]])
    case added([UInt8])
    case modified([UInt8])
    case deleted([UInt8])
}

/// Keeps up with a collection as client-go's reflector does: list, then watch from the list's
/// resourceVersion with bookmarks; every frame moves the resourceVersion on, so a watch that ends (the
/// server's timeout, a dropped connection) resumes where it was, losing and repeating nothing; a
/// `410 Expired` (the server no longer has that history) relists; errors back off exponentially with
/// jitter, up to 30 s. Objects are handed over as raw JSON.
public struct Reflector: Sendable {
    public let client: KubeClient
    /// The collection's path, like `/api/v1/namespaces/shop/events`.
    public let collection: String
    /// Items per list page (client-go's 500); the list follows `continue` to the end.
    public let pageSize: Int
    /// Added to the list and the watch: a `labelSelector` or `fieldSelector` narrowing the collection.
    public let query: [KubeQueryItem]

    /// `client` is kept narrowed to reads: a reflector lists and watches, nothing more.
    public init(client: KubeClient, collection: String, pageSize: Int = 500, query: [KubeQueryItem] = []) {
        self.client = client.narrowed(to: .read)
        self.collection = collection
        self.pageSize = pageSize
        self.query = query
    }

    /// Reports the collection and its changes to `deliver` until the task is cancelled.
    public func run(_ deliver: @escaping @Sendable (ReflectorEvent) async -> Void) async {
        var resourceVersion: String?
        var failures = 0
        while !Task.isCancelled {
            do throws(KubeError) {
                if resourceVersion == nil {
                    // A continue token that expired mid-list is a 410 too: the whole list starts over.
                    let list = try await client.list(collection, query: query + [.init("limit", String(pageSize))])
                    await deliver(.listed(list.items.map(KubeAction.json)))
                    resourceVersion = list.resourceVersion
                }
                resourceVersion = try await watch(from: resourceVersion ?? "", deliver)
                failures = 0
            } catch {
                if error.code == 410 {
                    resourceVersion = nil
                    continue
                }
                failures += 1
                let delay = min(30, 0.8 * pow(2, Double(min(failures, 6)))) * Double.random(in: 0.8...1.2)
                try? await Task.sleep(for: .seconds(delay))
            }
        }
    }

    /// One watch request; returns the resourceVersion to go on from (nil to relist).
    private func watch(
        from resourceVersion: String,
        _ deliver: @escaping @Sendable (ReflectorEvent) async -> Void
    ) async throws(KubeError) -> String? {
        // client-go's choice: a random server-side timeout between 5 and 10 minutes.
        let seconds = Int.random(in: 300..<600)
        let request = KubeRequest(
            method: "GET",
            path: collection,
            query: query + [
                .init("allowWatchBookmarks", "true"), .init("resourceVersion", resourceVersion),
                .init("timeoutSeconds", String(seconds)), .init("watch", "true"),
            ]
        )
        let (frames, continuation) = AsyncStream<[UInt8]>.makeStream()
        let splitter = FrameSplitter()
        let stop = StopFlag()
        async let transfer: Result<Void, KubeError> = {
            defer { continuation.finish() }
            do throws(KubeError) {
                try await client.stream(request, timeout: Double(seconds + 30)) { chunk in
                    for frame in splitter.frames(in: chunk) { continuation.yield(frame) }
                    return !stop.isSet
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }()
        var current: String? = resourceVersion
        for await frame in frames {
            guard let object = try? JSONSerialization.jsonObject(with: Data(frame)) as? [String: Any],
                let type = object["type"] as? String, let body = object["object"] as? [String: Any]
            else { continue }
            if type == "ERROR" {
                stop.set()
                let code = body["code"] as? Int ?? 0
                if code == 410 { current = nil }
                break
            }
            if let version = (body["metadata"] as? [String: Any])?["resourceVersion"] as? String { current = version }
            let raw = KubeAction.json(body)
            switch type {
            case "ADDED": await deliver(.added(raw))
            case "MODIFIED": await deliver(.modified(raw))
            case "DELETED": await deliver(.deleted(raw))
            default: break  // BOOKMARK: only the resourceVersion moves on
            }
        }
        stop.set()
        if case .failure(let error) = await transfer, current != nil { throw error }
        return current
    }
}

/// Cuts a watch stream into its newline-delimited JSON frames, whatever the chunking.
final class FrameSplitter: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [UInt8] = []
    /// A frame longer than this is a broken stream, not a reason to grow without bound.
    static let maximumFrameBytes = 16 << 20

    func frames(in chunk: [UInt8]) -> [[UInt8]] {
        lock.withLock {
            pending += chunk
            var frames: [[UInt8]] = []
            var start = 0
            while let end = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                if end > start { frames.append(Array(pending[start..<end])) }
                start = end + 1
            }
            pending.removeFirst(start)
            if pending.count > Self.maximumFrameBytes { pending.removeAll() }
            return frames
        }
    }
}

/// Set once, read from any thread.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
