// swift-tools-version:6.1
import PackageDescription

// The benchmark's client floor, outside npsim's package so that building and testing npsim does not build it. It
// uses npsim's delivery library, so it measures exactly the client the dispatcher uses.
let package = Package(
    name: "npsim-client-floor",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "npsim", path: "../.."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .executableTarget(
            name: "npsim-client-floor",
            dependencies: [
                .product(name: "NPSimDelivery", package: "npsim"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        )
    ]
)
