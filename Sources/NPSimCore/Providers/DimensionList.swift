/// Dimensions written on a command line or in a query: `environment:production,region:us-east-1` (`=` is
/// accepted for `:`), as `np provider list --dimensions` takes them.
public enum DimensionList {
    public static func parse(_ text: String) throws(APIError) -> [String: String] {
        var dimensions: [String: String] = [:]
        for pair in text.split(separator: ",") {
            guard let separator = pair.firstIndex(where: { $0 == ":" || $0 == "=" }), separator != pair.startIndex else {
                throw APIError.badRequest("dimension '\(pair)' must be written key:value, e.g. environment:production")
            }
            dimensions[String(pair[..<separator]).trimmed] = String(pair[pair.index(after: separator)...]).trimmed
        }
        return dimensions
    }
}

extension String {
    fileprivate var trimmed: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
