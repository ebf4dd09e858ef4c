import Foundation
import Testing

@testable import NPSimCore

@Suite struct UUIDTests {
    /// RFC 9562's layout: version 7, variant `10`, and the Unix time in milliseconds in the first 48 bits.
    @Test func idsAreVersion7WithTheirTimeInFront() throws {
        let date = Date(timeIntervalSince1970: 1_714_683_395.389)
        let text = UUID.timeOrdered(at: date).uuidString.lowercased()
        let hex = text.replacingOccurrences(of: "-", with: "")
        #expect(UInt64(hex.prefix(12), radix: 16) == 1_714_683_395_389)
        #expect(Array(hex)[12] == "7")
        #expect(["8", "9", "a", "b"].contains(Array(hex)[16]))
        #expect(text.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
    }

    /// Ids made later sort after earlier ones (which is what keeps index inserts at the end of the B-trees), and
    /// ids made in the same millisecond still differ.
    @Test func idsGrowWithTimeAndNeverRepeat() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let later = UUID.timeOrdered(at: start.addingTimeInterval(0.001)).uuidString.lowercased()
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let id = UUID.timeOrdered(at: start).uuidString.lowercased()
            #expect(id < later)
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
        #expect(UUID.newId() != UUID.newId())
    }

    @Test func theTextFormIsFoundationsInLowercase() {
        for _ in 0..<1_000 {
            let uuid = UUID.timeOrdered()
            #expect(UUID.lowercaseText(uuid) == uuid.uuidString.lowercased())
        }
    }
}
