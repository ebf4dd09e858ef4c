import Hummingbird
import Logging
import NIOHTTP1
import NPSimCore
import NPSimHTTP

/// Turns every error into nullplatform's JSON error body, so that clients never see an HTML page, an empty
/// body or a crash. SQLite failures a client cannot fix (disk full, read-only file) become a 503 naming the cause.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return JSONResponse.make(error.json, status: HTTPResponse.Status(code: error.status))
        } catch let error as HTTPParserError {
            let apiError = APIError.badRequest("the request's HTTP framing is malformed (\(error)); check its Content-Length or chunked encoding")
            return JSONResponse.make(apiError.json, status: .badRequest)
        } catch let error as HTTPError {
            let apiError = Self.apiError(for: error.status, message: error.body, request: request)
            return JSONResponse.make(apiError.json, status: error.status)
        } catch let error as any HTTPResponseError {
            let apiError = Self.apiError(for: error.status, message: nil, request: request)
            return JSONResponse.make(apiError.json, status: error.status)
        } catch {
            if let apiError = APIError(storageFailure: error) {
                context.logger.error("database error on \(request.method) \(request.uri.path): \(error)")
                return JSONResponse.make(apiError.json, status: HTTPResponse.Status(code: apiError.status))
            }
            context.logger.error("unexpected error on \(request.method) \(request.uri.path): \(error)")
            let body = APIError(
                status: 500,
                code: "internal_error",
                message: "npsim failed to handle the request: \(error). Please report it with the request that caused it."
            )
            return JSONResponse.make(body.json, status: .internalServerError)
        }
    }

    static func apiError(for status: HTTPResponse.Status, message: String?, request: Request) -> APIError {
        switch status.code {
        case 404:
            APIError(
                status: 404,
                code: "not_found",
                message: message ?? "no route for \(request.method) \(request.uri.path); see /_npsim/openapi.json for the routes"
            )
        case 405: APIError(status: 405, code: "method_not_allowed", message: message ?? "\(request.method) is not allowed on \(request.uri.path)")
        case 413: .payloadTooLarge(limit: Request.maximumBodySize)
        default:
            APIError(
                status: status.code,
                code: status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"),
                message: message ?? status.reasonPhrase
            )
        }
    }
}
