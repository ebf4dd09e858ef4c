import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimStore

/// `GET` and `PATCH /nrn/{nrn}`: the namespaced settings nullplatform keeps along the NRN tree
/// (`np nrn read --nrn ... --ids global.key`, `np nrn patch --nrn ... --body '{"global.key": ...}'`).
/// The NRN is written in the path unencoded, as clients send it.
struct NRNController {
    let database: AppDatabase

    func register(on routes: Routes) {
        routes.get("/nrn/:nrn", "Read namespaced settings, merged up the NRN unless no-merge=true") { request, context in
            let nrn = try nrn(context)
            let ids = request.queryList("ids")
            let merge = !(try request.queryFlag("no-merge") || request.queryFlag("no_merge"))
            let parse = try request.queryFlag("output_json_values")
            var answer = try await database.nrnSettings(nrn, ids: ids, merge: merge)
            if !parse, case .object(var object) = answer, case .object(let spaces)? = object["namespaces"] {
                object["namespaces"] = .object(JSONObject(spaces.map { ($0.key, Self.asText($0.value)) }))
                answer = .object(object)
            }
            return JSONResponse.make(answer)
        }
        routes.patch("/nrn/:nrn", "Set namespaced settings at an NRN (a null value removes one)") { request, context in
            let (nrn, body) = (try nrn(context), try await request.jsonBody())
            guard case .object(let values) = body else { throw APIError.validation("the body must be a JSON object of \"namespace.key\": value") }
            return JSONResponse.make(try await database.patchNRNSettings(nrn, values))
        }
    }

    private func nrn(_ context: NPSimRequestContext) throws -> NRN {
        let text = try context.pathParameter("nrn")
        let nrn = try NRN(parsing: text.removingPercentEncoding ?? text)
        guard context.tenancy.admits(nrn: nrn.description) else { throw APIError.notFound("nrn", nrn.description) }
        return nrn
    }

    /// Without `output_json_values`, object and array values are answered as JSON text, as nullplatform stores them.
    private static func asText(_ namespace: JSONValue) -> JSONValue {
        guard case .object(let keys) = namespace else { return namespace }
        return .object(
            JSONObject(
                keys.map { key, value in
                    switch value {
                    case .object, .array: (key, .string(JSONWriter.string(value)))
                    default: (key, value)
                    }
                }
            )
        )
    }
}
