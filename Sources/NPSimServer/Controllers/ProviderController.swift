import Foundation
import Hummingbird
import NPSimCore
import NPSimHTTP
import NPSimStore

/// `/provider`, `/provider_specification` and `/category`: the cloud settings runners resolve before they
/// provision (`np provider list --nrn ... --categories cloud-providers`, then `np provider read --id`).
struct ProviderController {
    let database: AppDatabase

    func register(on routes: Routes) {
        routes.get("/provider", "List providers at an NRN (show_ascendants, show_descendants, specification, category, dimensions)") {
            request,
            context in
            let filter = try ProviderFilter(request)
            let providers = try await database.providers(for: context.tenancy)
                .filter(filter.admits)
                .sorted { filter.rank($0) > filter.rank($1) }
            let (limit, offset) = try request.paging()
            return JSONResponse.page(providers.map { $0.json() }, limit: limit, offset: offset)
        }
        routes.post("/provider", "Create a provider") { request, context in
            let (body, tenancy) = (try await request.jsonBody(), context.tenancy)
            let provider = try ProviderRecord(creating: body, id: UUID.newId())
            guard tenancy.admits(nrn: provider.nrn.description) else {
                throw APIError.forbidden("\(provider.nrn) is outside organization \(tenancy.organizationId ?? ""), the only one this token acts for")
            }
            try await database.addProvider(provider)
            return JSONResponse.make(provider.json())
        }
        routes.get("/provider/:id", "Read a provider, its attributes merged up the NRN unless no_merge=true") { request, context in
            let (id, noMerge) = (try context.pathParameter("id"), try request.queryFlag("no_merge") || request.queryFlag("no-merge"))
            let (provider, merged) = try await database.provider(id: id, merged: !noMerge, for: context.tenancy)
            return JSONResponse.make(provider.json(attributes: merged))
        }
        for replacing in [false, true] {
            let summary = replacing ? "Replace a provider's attributes and dimensions" : "Change a provider (attributes are merged)"
            let handler: Routes.Handler = { request, context in
                let (id, body) = (try context.pathParameter("id"), try await request.jsonBody())
                let provider = try await database.changeProvider(id: id, for: context.tenancy) { provider in
                    if replacing { provider.attributes = [:] }
                    try provider.apply(body, creating: false)
                    provider.updatedAt = ISO8601.string(from: Date())
                }
                return JSONResponse.make(provider.json())
            }
            if replacing { routes.put("/provider/:id", summary, handler) } else { routes.patch("/provider/:id", summary, handler) }
        }
        routes.delete("/provider/:id", "Delete a provider") { _, context in
            try await database.deleteProvider(id: try context.pathParameter("id"), for: context.tenancy)
            return Response(status: .noContent)
        }
        registerCatalog(on: routes)
    }

    private func registerCatalog(on routes: Routes) {
        routes.get("/provider_specification", "List provider specifications (slug, category, name, id)") { request, _ in
            let (slugs, categories, names, ids) = (
                request.queryList("slug"), request.queryList("category"), request.queryList("name"), request.queryList("id")
            )
            let found = ProviderCatalog.specifications.filter { specification in
                (slugs.isEmpty || slugs.contains(specification.slug)) && (names.isEmpty || names.contains(specification.name))
                    && (ids.isEmpty || ids.contains(specification.id))
                    && (categories.isEmpty || specification.categories.contains { categories.contains($0.id) || categories.contains($0.slug) })
            }
            let (limit, offset) = try request.paging()
            return JSONResponse.page(found.map(\.json), limit: limit, offset: offset)
        }
        routes.get("/provider_specification/:id", "Read a provider specification") { _, context in
            let id = try context.pathParameter("id")
            guard let specification = ProviderCatalog.specification(id) else { throw APIError.notFound("provider specification", id) }
            return JSONResponse.make(specification.json)
        }
        for base in ["/category", "/provider_category"] {
            routes.get(base, "List provider categories (slug)") { request, _ in
                let slugs = request.queryList("slug")
                let (limit, offset) = try request.paging()
                let found = ProviderCatalog.categories.filter { slugs.isEmpty || slugs.contains($0.slug) }
                return JSONResponse.page(found.map(\.json), limit: limit, offset: offset)
            }
            routes.get("\(base)/:id", "Read a provider category") { _, context in
                let id = try context.pathParameter("id")
                guard let category = ProviderCatalog.category(id) else { throw APIError.notFound("category", id) }
                return JSONResponse.make(category.json)
            }
        }
    }
}

/// The query of `GET /provider`: where to look, which specifications or categories, and for which dimensions.
private struct ProviderFilter {
    let nrn: NRN?
    let ascendants: Bool
    let descendants: Bool
    /// The specifications asked for, by id or through a category; `nil` when the query names none.
    let specifications: Set<String>?
    let dimensions: [String: String]
    let ids: [String]

    init(_ request: Request) throws {
        nrn = try request.nrnFilter()
        ascendants = try request.queryFlag("show_ascendants")
        descendants = try request.queryFlag("show_descendants")
        ids = request.queryList("id")
        var specifications: Set<String>?
        for reference in request.queryList("specification_id") + request.queryList("specification_slug") + request.queryList("specification") {
            guard let specification = ProviderCatalog.specification(reference) else {
                throw APIError.badRequest("provider specification '\(reference)' is unknown")
            }
            specifications = (specifications ?? []).union([specification.id])
        }
        for reference in request.queryList("category") + request.queryList("categories") {
            guard let category = ProviderCatalog.category(reference) else {
                let known = ProviderCatalog.categories.map(\.slug).joined(separator: ", ")
                throw APIError.badRequest("provider category '\(reference)' is unknown; npsim knows \(known)")
            }
            let inCategory = ProviderCatalog.specifications.filter { $0.categories.contains { $0.id == category.id } }.map(\.id)
            specifications = (specifications ?? []).union(inCategory)
        }
        self.specifications = specifications
        dimensions = try DimensionList.parse(request.query("dimensions") ?? "")
    }

    func admits(_ provider: ProviderRecord) -> Bool {
        if !ids.isEmpty, !ids.contains(provider.id) { return false }
        if let specifications, !specifications.contains(provider.specificationId) { return false }
        if !dimensions.isEmpty, !provider.applies(to: dimensions) { return false }
        guard let nrn else { return true }
        return nrn.isAncestorOrSelf(of: provider.nrn) && (provider.nrn.components.count == nrn.components.count || descendants)
            || ascendants && provider.nrn.isAncestorOrSelf(of: nrn)
    }

    /// Nearest and most specific first: a provider at a deeper NRN, then one restricted to more of the asked
    /// dimensions, wins, as nullplatform resolves a category to one provider.
    func rank(_ provider: ProviderRecord) -> Int {
        provider.nrn.components.count * 100 + provider.dimensions.count
    }
}
