import CoreMetrics
import HTTPTypes
import Hummingbird
import NIOCore
import VigilEngine

extension VigilServer {
    /// At most this much body per delivery (413 above): a 10-alert payload is about 8 KiB.
    static let webhookBodyLimit = 1 << 20

    /// `POST /webhook/alertmanager`: authenticated as every path is (Alertmanager's `http_config` sends
    /// basic auth or a bearer token), decoded, queued, answered at once — 200 once queued, 400 for a body
    /// that is not a version-4 payload (Alertmanager does not retry it), 413 above the body limit, 503 with
    /// `Retry-After` when the queue is full (Alertmanager retries with backoff). A 413 also asks for a
    /// reconciliation: Alertmanager sends that group again at its next flush, as large, so only its API
    /// can tell what fires in it (the receiver's `max_alerts` keeps deliveries under the limit).
    func addWebhookRoute(to router: Router<VigilRequestContext>) {
        // The accepted count's handle made once (the hot path); the rarer codes looked up as they come.
        let accepted = Counter(label: "vigil_webhook_requests_total", dimensions: [("code", "200")])
        // The codes a refusal answers, at 0 from the start: a series that appears with its first refusal
        // hides that refusal from increase() (deploy/alerts.yaml's VigilWebhookRefusing).
        for code in [400, 401, 403, 404, 413, 503] {
            _ = Counter(label: "vigil_webhook_requests_total", dimensions: [("code", String(code))])
        }
        router.post(RouterPath(Self.webhookPath)) { request, context in
            let response = await webhook(request, from: context.principal)
            if response.status == .ok { accepted.increment() } else { Self.countWebhook(response.status) }
            return response
        }
    }

    static let webhookPath = "/webhook/alertmanager"

    /// Counts a delivery answered `status` (other than 200, counted by the route's own counter).
    static func countWebhook(_ status: HTTPResponse.Status) {
        Counter(label: "vigil_webhook_requests_total", dimensions: [("code", String(status.code))]).increment()
    }

    private func webhook(_ request: Request, from principal: Authenticator.Principal?) async -> Response {
        guard let alerts else {
            return error(.notFound, type: "not_found", "the webhook needs diagnosis: no rule files are loaded")
        }
        guard !security.webhookNeedsAuthentication || principal != nil else {
            return error(
                .forbidden,
                type: "forbidden",
                "with --allow-apply the webhook takes only authenticated deliveries (an alert anyone could post "
                    + "would lead to changes): give --web.config.file with basic_auth_users or "
                    + "--web.bearer-token-file, and the same credentials in the receiver's http_config"
            )
        }
        // Alertmanager sends neither Origin nor Sec-Fetch-Site; a page of another site that posts here
        // (a text/plain body is JSON all the same) with the browser's credentials is refused.
        guard !Router<VigilRequestContext>.isCrossOrigin(request) else {
            return error(
                .forbidden,
                type: "forbidden",
                "cross-origin request refused: a web page cannot post alerts here"
            )
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.webhookBodyLimit {
            return tooLarge(alerts)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.webhookBodyLimit)
        } catch is NIOTooManyBytesError {
            return tooLarge(alerts)
        } catch {
            // Cut short (the client went away): no delivery, and nothing Alertmanager will not retry.
            return self.error(.badRequest, type: "bad_data", "the body could not be read: \(error)")
        }
        let webhook: AlertmanagerWebhook
        do {
            webhook = try AlertmanagerWebhook.decode(Array(buffer: body))
        } catch {
            return self.error(.badRequest, type: "bad_data", "not an Alertmanager webhook payload: \(error)")
        }
        guard alerts.offer(webhook) else {
            var busy = error(.serviceUnavailable, type: "unavailable", "the alert queue is full; retry later")
            busy.headers[.retryAfter] = "5"
            return busy
        }
        return text("ok\n")
    }

    private func tooLarge(_ alerts: AlertIntake) -> Response {
        alerts.requestReconciliation()
        return error(
            .contentTooLarge,
            type: "bad_data",
            "body over \(Self.webhookBodyLimit) bytes: set max_alerts on the receiver's webhook_config"
        )
    }
}
