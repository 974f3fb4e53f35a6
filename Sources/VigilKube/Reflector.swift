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
/// resourceVersion with bookmarks; every frame moves the resourceVersion on, so a watch that ends, however
/// it ends (the server's timeout, a dropped connection, a client timeout), resumes from the last frame
/// received, losing and repeating nothing; a `410 Expired` (the server no longer has that history)
/// relists, as does a stream that broke (a frame that is no watch event, or one over 16 MiB). Failures back
/// off exponentially with jitter, up to 30 s: a refused request, a watch that fails, an `ERROR` frame, a
/// watch closed within a second with nothing in it; a relist waits for the backoff too. Objects are
/// handed over as raw JSON.
public struct Reflector<C: Clock>: Sendable where C.Duration == Duration {
    public let client: KubeClient
    /// The collection's path, like `/api/v1/namespaces/shop/events`.
    public let collection: String
    /// Items per list page (client-go's 500); the list follows `continue` to the end.
    public let pageSize: Int
    /// Added to the list and the watch: a `labelSelector` or `fieldSelector` narrowing the collection.
    public let query: [KubeQueryItem]
    /// What the backoff sleeps on and a watch's length is measured on.
    public let clock: C

    /// `client` is kept narrowed to reads: a reflector lists and watches, nothing more.
    public init(
        client: KubeClient,
        collection: String,
        pageSize: Int = 500,
        query: [KubeQueryItem] = [],
        clock: C
    ) {
        self.client = client.narrowed(to: .read)
        self.collection = collection
        self.pageSize = pageSize
        self.query = query
        self.clock = clock
    }

    /// Where a reflector stands in the collection's history.
    struct Position {
        /// The list's resourceVersion, then each frame's; nil to list (again).
        var resourceVersion: String?
        /// Frames (events and bookmarks) received since the list.
        var frames = 0
    }

    /// Reports the collection and its changes to `deliver` until the task is cancelled.
    public func run(_ deliver: @escaping @Sendable (ReflectorEvent) async -> Void) async {
        var position = Position()
        var failures = 0
        while !Task.isCancelled {
            // Zero when a list comes first: only a 410 or the start leaves no resourceVersion.
            let framesBefore = position.frames
            do throws(KubeError) {
                if position.resourceVersion == nil {
                    // A continue token that expired mid-list is a 410 too: the whole list starts over (after
                    // the backoff, as nothing came since the last list).
                    let list = try await client.list(collection, query: query + [.init("limit", String(pageSize))])
                    await deliver(.listed(list.items.map(KubeAction.json)))
                    position = Position(resourceVersion: list.resourceVersion ?? "")
                }
                let start = clock.now
                try await watch(&position, deliver)
                // client-go's "very short watch": closed at once with nothing in it is a server or proxy
                // turning the watch away, not its timeout, and watching again at once would spin.
                if position.frames == framesBefore, start.duration(to: clock.now) < .seconds(1) {
                    throw KubeError(
                        code: 0,
                        reason: nil,
                        message: "the watch of \(collection) closed within a second with nothing received"
                    )
                }
                failures = 0
            } catch {
                // A watch that received frames before it failed was working: its failure backs off afresh.
                if position.frames > framesBefore { failures = 0 }
                // History moved on (410), or the stream broke so that what it held is unknown (a frame
                // that is no watch event, or over the size limit: client-go ends the watch there too):
                // relist, after the backoff as client-go's BackoffUntil waits between lists — at once,
                // every kind of every replica relisted from etcd together as an API server restarted.
                if error.code == 410 || error.reason == Self.brokenStream { position = Position() }
                failures += 1
                let delay = min(30, 0.8 * pow(2, Double(min(failures, 6)))) * Double.random(in: 0.8...1.2)
                try? await clock.sleep(for: .seconds(delay))
            }
        }
    }

    /// One watch request, from `position`, which moves on with every frame as it is delivered: however
    /// the watch ends, thrown or not, the next goes on from the last frame received. An `ERROR` frame
    /// ends it with the server's Status as the error.
    private func watch(
        _ position: inout Position,
        _ deliver: @escaping @Sendable (ReflectorEvent) async -> Void
    ) async throws(KubeError) {
        // client-go's choice: a random server-side timeout between 5 and 10 minutes.
        let seconds = Int.random(in: 300..<600)
        let request = KubeRequest(
            method: "GET",
            path: collection,
            query: query + [
                .init("allowWatchBookmarks", "true"), .init("resourceVersion", position.resourceVersion ?? ""),
                .init("timeoutSeconds", String(seconds)), .init("watch", "true"),
            ]
        )
        let (frames, continuation) = AsyncStream<[UInt8]>.makeStream()
        let splitter = FrameSplitter()
        let stop = StopFlag()
        let transfer = Task { () -> Result<Void, KubeError> in
            defer { continuation.finish() }
            do throws(KubeError) {
                try await client.stream(request, timeout: Double(seconds + 30)) { chunk in
                    // No frame is empty: an empty one says a frame passed the limit.
                    guard let frames = splitter.frames(in: chunk) else {
                        continuation.yield([])
                        return false
                    }
                    for frame in frames { continuation.yield(frame) }
                    return !stop.isSet
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        var refusal: KubeError?
        // The transfer is cancelled with the reflector, and at once where the watch is refused: `stop` is
        // seen only at the stream's next chunk, so a quiet collection's relist waited for its next
        // bookmark (a minute) or the watch's timeout (5 to 10).
        await withTaskCancellationHandler {
            await consume(frames, &position, &refusal, stop, deliver)
        } onCancel: {
            transfer.cancel()
        }
        stop.set()
        if refusal != nil { transfer.cancel() }
        let ended = await transfer.value
        if let refusal { throw refusal }
        if case .failure(let error) = ended { throw error }
    }

    /// Delivers the watch's frames, moving `position` on with each, until the stream ends or a frame
    /// refuses the watch (an `ERROR`, or one that is no watch event): then `refusal` says why.
    private func consume(
        _ frames: AsyncStream<[UInt8]>,
        _ position: inout Position,
        _ refusal: inout KubeError?,
        _ stop: StopFlag,
        _ deliver: @escaping @Sendable (ReflectorEvent) async -> Void
    ) async {
        for await frame in frames {
            // Skipped, a frame lost its event for good: the next one's resourceVersion moved past it (a
            // DELETED lost kept a pod that is gone in the model, for remediation to aim at).
            guard let object = try? JSONSerialization.jsonObject(with: Data(frame)) as? [String: Any],
                let type = object["type"] as? String, Self.eventTypes.contains(type),
                let body = object["object"] as? [String: Any]
            else {
                stop.set()
                refusal = KubeError(
                    code: 0,
                    reason: Self.brokenStream,
                    message: frame.isEmpty
                        ? "the watch of \(collection) sent a frame over \(FrameSplitter.maximumFrameBytes) bytes"
                        : "the watch of \(collection) sent a frame that is no watch event"
                )
                break
            }
            if type == "ERROR" {
                stop.set()
                refusal = KubeError(
                    code: body["code"] as? Int ?? 0,
                    reason: body["reason"] as? String,
                    message: body["message"] as? String ?? "the watch of \(collection) ended with an ERROR frame"
                )
                break
            }
            let raw = KubeAction.json(body)
            switch type {
            case "ADDED": await deliver(.added(raw))
            case "MODIFIED": await deliver(.modified(raw))
            case "DELETED": await deliver(.deleted(raw))
            default: break  // BOOKMARK: only the resourceVersion moves on
            }
            if let version = (body["metadata"] as? [String: Any])?["resourceVersion"] as? String {
                position.resourceVersion = version
            }
            position.frames += 1
        }
    }
}

extension Reflector {
    /// The reason of the error that ends a watch whose stream broke.
    static var brokenStream: String { "BrokenWatchStream" }
    /// The watch event types the API server sends.
    static var eventTypes: Set<String> { ["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"] }
}

extension Reflector where C == ContinuousClock {
    /// A reflector whose backoff sleeps on the continuous clock.
    public init(client: KubeClient, collection: String, pageSize: Int = 500, query: [KubeQueryItem] = []) {
        self.init(client: client, collection: collection, pageSize: pageSize, query: query, clock: ContinuousClock())
    }
}

/// Cuts a watch stream into its newline-delimited JSON frames, whatever the chunking.
final class FrameSplitter: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [UInt8] = []
    /// A frame longer than this is a broken stream, not a reason to grow without bound.
    static let maximumFrameBytes = 16 << 20

    /// The frames `chunk` completes; nil once a frame passes ``maximumFrameBytes``.
    func frames(in chunk: [UInt8]) -> [[UInt8]]? {
        lock.withLock {
            pending += chunk
            var frames: [[UInt8]] = []
            var start = 0
            while let end = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                if end > start { frames.append(Array(pending[start..<end])) }
                start = end + 1
            }
            pending.removeFirst(start)
            guard pending.count <= Self.maximumFrameBytes else {
                pending.removeAll()
                return nil
            }
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
