/// The provider categories and specifications npsim knows: nullplatform keeps these as a platform-wide catalog
/// that users do not create, so npsim ships the ones runners ask for by category (`cloud-providers`,
/// `identity-access-control`, `vpc`, `container-orchestration`, `metrics`).
///
/// Ids are fixed so that fixtures, Terraform plans and a runner's `values.yaml` can name them across restarts.
public enum ProviderCatalog {
    public struct Category: Sendable {
        public let id: String
        public let name: String
        public let slug: String

        public var json: JSONValue { ["id": .string(id), "name": .string(name), "slug": .string(slug)] }
    }

    public struct Specification: Sendable {
        public let id: String
        public let name: String
        public let slug: String
        public let categories: [Category]

        public var json: JSONValue {
            [
                "id": .string(id), "name": .string(name), "slug": .string(slug),
                "categories": .array(categories.map(\.json)), "schema": ["type": "object", "properties": [:]],
                "visible_to": ["organization=*"],
            ]
        }
    }

    public static let categories: [Category] = [
        Category(id: "6c0d1c1e-0001-4c6a-9a51-6e7073696d01", name: "Cloud providers", slug: "cloud-providers"),
        Category(id: "6c0d1c1e-0002-4c6a-9a51-6e7073696d01", name: "Identity and access control", slug: "identity-access-control"),
        Category(id: "6c0d1c1e-0003-4c6a-9a51-6e7073696d01", name: "Networking", slug: "vpc"),
        Category(id: "6c0d1c1e-0004-4c6a-9a51-6e7073696d01", name: "Container orchestration", slug: "container-orchestration"),
        Category(id: "6c0d1c1e-0005-4c6a-9a51-6e7073696d01", name: "Metrics", slug: "metrics"),
    ]

    public static let specifications: [Specification] = [
        Specification(id: "7e1a2b3c-0001-4d5e-8f90-6e7073696d01", name: "AWS account", slug: "aws-configuration", categories: [categories[0]]),
        Specification(id: "7e1a2b3c-0002-4d5e-8f90-6e7073696d01", name: "AWS IAM", slug: "aws-iam-configuration", categories: [categories[1]]),
        Specification(
            id: "7e1a2b3c-0003-4d5e-8f90-6e7073696d01",
            name: "AWS networking",
            slug: "aws-networking-configuration",
            categories: [categories[2]]
        ),
        Specification(
            id: "7e1a2b3c-0004-4d5e-8f90-6e7073696d01",
            name: "Azure subscription",
            slug: "azure-configuration",
            categories: [categories[0]]
        ),
        Specification(id: "7e1a2b3c-0005-4d5e-8f90-6e7073696d01", name: "Kubernetes cluster", slug: "k8s-configuration", categories: [categories[3]]),
        Specification(
            id: "7e1a2b3c-0006-4d5e-8f90-6e7073696d01",
            name: "Prometheus metrics",
            slug: "prometheus-configuration",
            categories: [categories[4]]
        ),
        Specification(id: "7e1a2b3c-0007-4d5e-8f90-6e7073696d01", name: "Generic", slug: "generic-configuration", categories: []),
    ]

    /// A category by id or slug.
    public static func category(_ idOrSlug: String) -> Category? {
        categories.first { $0.id == idOrSlug || $0.slug == idOrSlug }
    }

    /// A specification by id or slug.
    public static func specification(_ idOrSlug: String) -> Specification? {
        specifications.first { $0.id == idOrSlug || $0.slug == idOrSlug }
    }
}
