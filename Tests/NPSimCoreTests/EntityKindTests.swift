import NPSimCore
import Testing

@Suite struct EntityKindTests {
    /// Display names are spelled out for speed; they must still be the raw values with spaces for underscores.
    @Test(arguments: EntityKind.allCases) func displayNameIsTheRawValueWithSpaces(kind: EntityKind) {
        #expect(kind.displayName == kind.rawValue.split(separator: "_").joined(separator: " "))
    }
}
