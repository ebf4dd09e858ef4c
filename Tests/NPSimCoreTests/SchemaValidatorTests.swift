import Testing

@testable import NPSimCore

@Suite struct SchemaValidatorTests {
    static let schema: JSONValue = [
        "type": "object",
        "required": ["name"],
        "additionalProperties": false,
        "properties": [
            "name": ["type": "string", "minLength": 2, "maxLength": 8, "pattern": "^[a-z]+$"],
            "size": ["type": "string", "enum": ["small", "large"]],
            "count": ["type": "integer", "minimum": 1, "maximum": 10],
            "ratio": ["type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1],
            "tags": ["type": "array", "items": ["type": "string"], "maxItems": 2],
            "flag": ["type": ["boolean", "null"]],
            "password": ["type": "string", "secret": true],
        ],
    ]

    static let cases: [(JSONValue, String?)] = [
        (["name": "abc"] as JSONValue, nil as String?),
        (["name": "abc", "count": 10, "ratio": 0.5, "tags": ["a"], "flag": nil, "size": "small"], nil),
        (["count": 1], "params.name: is required"),
        (["name": 5], "params.name: must be of type string, got integer"),
        (["name": "a"], "params.name: must be at least 2 characters long"),
        (["name": "abcdefghij"], "params.name: must be at most 8 characters long"),
        (["name": "ABC"], "params.name: must match the pattern ^[a-z]+$"),
        (["name": "abc", "size": "medium"], "params.size: must be one of [\"small\",\"large\"]"),
        (["name": "abc", "count": 0], "params.count: must be >= 1"),
        (["name": "abc", "count": 11], "params.count: must be <= 10"),
        (["name": "abc", "count": 1.5], "params.count: must be of type integer, got number"),
        (["name": "abc", "ratio": 1], "params.ratio: must be < 1"),
        (["name": "abc", "ratio": 0], "params.ratio: must be > 0"),
        (["name": "abc", "tags": ["a", 1]], "params.tags[1]: must be of type string, got integer"),
        (["name": "abc", "tags": ["a", "b", "c"]], "params.tags: must have at most 2 items"),
        (["name": "abc", "flag": "yes"], "params.flag: must be of type boolean or null, got string"),
        (["name": "abc", "extra": 1], "params.extra: is not a property the schema allows"),
        ("abc", "params: must be of type object, got string"),
    ]

    @Test(arguments: cases)
    func valuesAreCheckedAndViolationsNameTheField(value: JSONValue, expected: String?) {
        do {
            try SchemaValidator.validate(value, against: Self.schema, at: "params")
            #expect(expected == nil, "expected a violation: \(expected ?? "")")
        } catch {
            #expect(error.message == expected)
        }
    }

    @Test func secretAndTargetAnnotationsAreRead() {
        #expect(SchemaAnnotations.secretProperties(of: Self.schema) == ["password"])
        let results: JSONValue = ["properties": ["endpoint": ["type": "string", "target": "redis_endpoint"], "other": ["type": "string"]]]
        #expect(SchemaAnnotations.resultTargets(of: results).map { "\($0.result)->\($0.attribute)" } == ["endpoint->redis_endpoint"])
        #expect(SchemaAnnotations.masking(["password": "x", "name": "n"], secrets: ["password"]) == ["password": nil, "name": "n"])
    }
}
