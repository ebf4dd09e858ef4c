import Testing

@testable import NPSimCore

@Suite struct FilterMatcherTests {
    static let notification: JSONValue = [
        "action": "service:action:create", "type": "create",
        "specification": ["slug": "create-mysql"],
        "service": ["slug": "orders", "specification": ["slug": "mysql"], "dimensions": ["environment": "prod"], "attributes": ["port": 3306]],
        "link": nil,
        "messages": [["level": "info", "message": "a"], ["level": "error", "message": "b"]],
        "tags": ["account": "my-account"],
        "labels": ["blue", "green"],
    ]

    static let cases: [(String, JSONValue, Bool)] = [
        ("empty filter", [:], true),
        ("bare equality", ["service.specification.slug": "mysql"], true),
        ("bare equality miss", ["service.specification.slug": "redis"], false),
        ("$eq", ["action": ["$eq": "service:action:create"]], true),
        ("$eq number vs double", ["service.attributes.port": ["$eq": 3306.0]], true),
        ("$ne", ["type": ["$ne": "delete"]], true),
        ("$ne miss", ["type": ["$ne": "create"]], false),
        ("$in", ["type": ["$in": ["create", "update"]]], true),
        ("$in miss", ["type": ["$in": ["delete"]]], false),
        ("$nin", ["type": ["$nin": ["delete", "custom"]]], true),
        ("$nin miss", ["type": ["$nin": ["create"]]], false),
        ("$exists true", ["service.dimensions.environment": ["$exists": true]], true),
        ("$exists false", ["service.dimensions.region": ["$exists": false]], true),
        ("$exists on null", ["link": ["$exists": true]], true),
        ("$exists miss", ["service.dimensions.region": ["$exists": true]], false),
        ("$contains substring", ["action": ["$contains": "action"]], true),
        ("$contains element", ["labels": ["$contains": "green"]], true),
        ("$contains miss", ["labels": ["$contains": "red"]], false),
        ("$contains sub-object", ["service.dimensions": ["$contains": ["environment": "prod"]]], true),
        ("$regex", ["service.slug": ["$regex": "^ord"]], true),
        ("$gt", ["service.attributes.port": ["$gt": 3000]], true),
        ("$lte miss", ["service.attributes.port": ["$lte": 3000]], false),
        ("$and", ["$and": [["type": "create"], ["service.slug": "orders"]]], true),
        ("$and miss", ["$and": [["type": "create"], ["service.slug": "x"]]], false),
        ("$or", ["$or": [["service.specification.slug": ["$eq": "aws-s3"]], ["service.specification.slug": ["$eq": "mysql"]]]], true),
        ("$or miss", ["$or": [["type": "delete"], ["type": "custom"]]], false),
        ("$nor", ["$nor": [["type": "delete"], ["type": "custom"]]], true),
        ("$not top level", ["$not": ["type": "delete"]], true),
        ("$not field", ["type": ["$not": ["$eq": "create"]]], false),
        ("array fan-out", ["messages.level": "error"], true),
        ("array index", ["messages.0.level": "error"], false),
        ("array equality on element", ["labels": "blue"], true),
        ("missing path", ["arguments.service_specification.slug": "mysql"], false),
        ("several keys are an implicit and", ["type": "create", "tags.account": "my-account"], true),
    ]

    @Test(arguments: cases)
    func operatorsMatchAsMongoDoes(name: String, filter: JSONValue, expected: Bool) {
        #expect(FilterMatcher.matches(filter.objectValue!, Self.notification) == expected, "\(name)")
    }

    @Test func unknownOperatorsAndMalformedClausesAreRefused() {
        #expect(throws: APIError.self) { try FilterMatcher.validate(["type": ["$like": "x"]]) }
        #expect(throws: APIError.self) { try FilterMatcher.validate(["$xor": []]) }
        #expect(throws: APIError.self) { try FilterMatcher.validate(["$or": ["type"]]) }
        #expect(throws: APIError.self) { try FilterMatcher.validate(["type": ["$in": "create"]]) }
        #expect(throws: APIError.self) { try FilterMatcher.validate(["slug": ["$regex": "("]]) }
        #expect(throws: Never.self) {
            try FilterMatcher.validate(["$or": [["service.specification.slug": ["$eq": "mysql"]]], "type": ["$nin": ["x"]]])
        }
    }

    @Test func routingExplainsEverySkippedChannel() throws {
        let nrn = try NRN(parsing: "organization=1:account=2:namespace=3")
        let base: JSONObject = ["id": 7, "status": "active", "source": ["service"], "nrn": "organization=1:account=2", "filters": [:]]
        #expect(ChannelRouter.decide(channel: base, source: "service", entityNRN: nrn, notification: Self.notification) == .deliver)
        var inactive = base
        inactive["status"] = "inactive"
        var otherSource = base
        otherSource["source"] = ["audit"]
        var elsewhere = base
        elsewhere["nrn"] = "organization=1:account=9"
        var filtered = base
        filtered["filters"] = ["service.specification.slug": "redis"]
        for channel in [inactive, otherSource, elsewhere, filtered] {
            guard case .skip(let reason) = ChannelRouter.decide(channel: channel, source: "service", entityNRN: nrn, notification: Self.notification)
            else {
                Issue.record("channel should be skipped: \(channel)")
                continue
            }
            #expect(reason.hasPrefix("channel 7 "))
        }
    }
}
