import Foundation
import Testing

@testable import NPSimCore

@Suite struct ISO8601Tests {
    /// The hand-written formatter writes what Foundation's `ISO8601FormatStyle` writes, for instants spread over
    /// 1970...2200 with arbitrary sub-millisecond parts, and for the edges where truncation and leap days show.
    @Test func timestampsMatchFoundationsFormatStyle() {
        let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var instants: [TimeInterval] = [0, 0.0005, 0.9995, 1.9999999, 951_782_400.5, 951_868_799.999, 4_102_444_800.123, 1_714_683_395.3895]
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            instants.append(TimeInterval(state >> 11) / TimeInterval(1 << 53) * 7_258_118_400)
        }
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            #expect(ISO8601.string(from: date) == date.formatted(foundation), "at \(instant)")
        }
    }

    @Test func leapDaysAndCenturiesLandOnTheRightDate() {
        #expect(ISO8601.string(from: Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(ISO8601.string(from: Date(timeIntervalSince1970: 4_107_542_400)) == "2100-03-01T00:00:00.000Z")
        #expect(ISO8601.string(from: Date(timeIntervalSince1970: 1_714_683_395.3895)) == "2024-05-02T20:56:35.389Z")
    }
}
