import ConcordCore
import Hummingbird
import Logging

/// The server's edge: turns every error into `{"error", "detail"}` JSON with a status (404 and 405 included),
/// logs one line per request with its request id, and never lets a handler's failure crash the server.
struct EdgeMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Where each request's latency and each database failure are counted.
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = JSONResponse.error(error, for: request)
        } catch let error as HTTPError {
            response = JSONResponse.error(Self.translate(error, request: request), for: request)
        } catch {
            if let failure = StorageFailure.from(error) {
                metrics.databaseErrors.increment()
                context.logger.error(
                    failure.kind == .unavailable ? "database unavailable" : "database failure",
                    metadata: ["error": "\(failure)"])
                response = JSONResponse.error(APIError.storage(failure), for: request)
            } else {
                context.logger.error("request failed", metadata: ["error": "\(error)"])
                response = JSONResponse.error(
                    APIError(
                        .internalServerError, "the server failed to answer; nothing was stored by this request",
                        detail: .text("the server log has the cause under this request's id; retry later")),
                    for: request)
            }
        }
        if let id = context.logger[metadataKey: "hb.request.id"] {
            response.headers[.init("X-Request-ID")!] = "\(id)"
        }
        let elapsed = ContinuousClock.now - start
        metrics.observe(method: request.method, path: request.uri.path, status: response.status, duration: elapsed)
        // Never log headers: they carry the bearer token.
        context.logger.info(
            "\(request.method) \(request.uri.path) \(response.status.code)",
            metadata: [
                "http.duration_ms":
                    "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)"
            ])
        return response
    }

    static func translate(_ error: HTTPError, request: Request) -> APIError {
        if error.status == .notFound {
            let methods = APIRoute.methods(for: request.uri.path)
            if !methods.isEmpty && !methods.contains(request.method) {
                let allow = methods.map(\.rawValue).joined(separator: ", ")
                return APIError(
                    .methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path); use \(allow)",
                    headers: [.allow: allow])
            }
            if methods.isEmpty {
                return APIError(
                    .notFound, "no route \(request.uri.path)",
                    detail: .text(
                        "routes: " + APIRoute.all.map { "\($0.method) \($0.path)" }.joined(separator: ", ")
                            + "; see GET /openapi.yaml"))
            }
        }
        return APIError(error.status, error.body ?? error.status.reasonPhrase)
    }
}
