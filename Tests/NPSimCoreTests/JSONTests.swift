import Testing

@testable import NPSimCore

@Suite struct JSONTests {
    @Test func objectKeysKeepTheirOrderThroughAParseAndWrite() throws {
        let text = #"{"zeta":1,"alpha":{"b":true,"a":null},"mid":[1,2.5,"x"]}"#
        #expect(JSONWriter.string(try JSONParser.parse(text)) == text)
    }

    @Test func integersStayIntegersAndFractionsStayDoubles() throws {
        let value = try JSONParser.parse(#"[1, -0, 12345678901234, 1.5, 1e3, 2E-2]"#)
        #expect(value == [.int(1), .int(0), .int(12_345_678_901_234), .double(1.5), .double(1000), .double(0.02)])
    }

    @Test func slashesAreNotEscapedAndUnicodeIsWrittenAsUTF8() throws {
        let value = try JSONParser.parse(#"{"url":"https:\/\/x.test/a","name":"caf\u00e9 \ud83d\ude80 数据"}"#)
        #expect(JSONWriter.string(value) == #"{"url":"https://x.test/a","name":"café 🚀 数据"}"#)
    }

    @Test func controlCharactersAreEscaped() {
        #expect(JSONWriter.string(.string("a\"b\\c\n\u{01}")) == #""a\"b\\c\n\u0001""#)
    }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("{", "expected a string key"),
        (#"{"a" 1}"#, "expected ':'"),
        ("[1,]", "unexpected character"),
        ("01", "unexpected data after"),
        (#""\x""#, "invalid escape"),
        (#""\ud800""#, "unpaired UTF-16 surrogate"),
        ("tru", "unexpected end of input"),
        ("{} {}", "unexpected data after"),
        ("\"a\u{01}\"", "unescaped control character"),
    ])
    func malformedDocumentsAreRefusedWithAReason(text: String, reason: String) {
        #expect {
            try JSONParser.parse(text)
        } throws: { error in
            (error as? JSONParser.Error)?.reason.contains(reason) == true
        }
    }

    @Test func deeplyNestedDocumentsAreRefusedInsteadOfExhaustingTheStack() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test func numbersCompareByValueAndObjectsIgnoreKeyOrder() throws {
        #expect(JSONValue.int(1).jsonEquals(.double(1.0)))
        let a = try JSONParser.parse(#"{"a":1,"b":2}"#)
        let b = try JSONParser.parse(#"{"b":2,"a":1.0}"#)
        #expect(a.jsonEquals(b))
    }

    @Test func deepMergeReplacesScalarsAndMergesNestedObjects() {
        let stored: JSONObject = ["a": 1, "nested": ["x": 1, "y": 2]]
        let merged = stored.deepMerged(with: ["nested": ["y": 3, "z": 4], "b": true])
        #expect(JSONValue.object(merged) == ["a": 1, "nested": ["x": 1, "y": 3, "z": 4], "b": true])
    }

    @Test func prettyOutputIsIndentedAndStillValid() throws {
        let value: JSONValue = ["a": [1, 2], "b": [:]]
        let pretty = JSONWriter.string(value, pretty: true)
        #expect(pretty.contains("\n  \"a\": ["))
        #expect(try JSONParser.parse(pretty) == value)
    }
}
