import Hummingbird

/// The request context of Vigil's router: Hummingbird's core context plus who the request was
/// authenticated as, which mutating endpoints require (``MutatingAPI``) and may record.
public struct VigilRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set before routing; nil when no authentication is configured.
    public var principal: Authenticator.Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
