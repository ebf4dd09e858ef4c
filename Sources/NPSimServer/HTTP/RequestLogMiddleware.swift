import Hummingbird
import Logging
import NPSimCore

/// One log line per request, after it is answered: method, path, status and duration, with the request id as
/// metadata so a request's line and the lines it caused can be matched. Bodies, headers and query strings are
/// never logged: they can hold tokens and secrets.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = elapsed.milliseconds
        context.logger.info(
            "\(request.method) \(request.uri.path) \(response.status.code) in \((milliseconds * 10).rounded() / 10) ms",
            metadata: ["status": .stringConvertible(response.status.code)]
        )
        return response
    }
}
