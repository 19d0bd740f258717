// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "hotline",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hotline", targets: ["hotline"]),
        .executable(name: "hotline-bench", targets: ["hotline-bench"]),
    ],
    targets: [
        // System libraries from Debian's -dev packages, found through pkg-config.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CHotlineSystem"),

        // One module per job.
        .target(name: "HotlineCore", dependencies: ["CHotlineSystem"], exclude: ["README.md"]),
        .target(name: "HotlineStore", dependencies: ["HotlineCore", "CSQLite"], exclude: ["README.md"]),
        .target(
            name: "HotlineIngest", dependencies: ["HotlineCore", "HotlineStore", "CZlib", "CLibXML2"], exclude: ["README.md"]),
        .target(
            name: "HotlineClassify", dependencies: ["HotlineCore", "HotlineStore", "HotlineLearn"], exclude: ["README.md"]),
        .target(
            name: "HotlineAggregate", dependencies: ["HotlineCore", "HotlineStore", "HotlineIngest"],
            exclude: ["README.md"]),
        .target(name: "HotlineLearn", dependencies: ["HotlineCore", "HotlineStore"], exclude: ["README.md"]),
        .target(name: "HotlineDetect", dependencies: ["HotlineCore", "HotlineStore"], exclude: ["README.md"]),
        .target(name: "HotlineRender", dependencies: ["HotlineCore", "HotlineStore"], exclude: ["README.md"]),
        .target(
            name: "HotlineCLI",
            dependencies: [
                "CHotlineSystem", "HotlineCore", "HotlineLearn", "HotlineStore", "HotlineIngest", "HotlineClassify", "HotlineAggregate",
                "HotlineDetect", "HotlineRender",
            ],
            exclude: ["README.md"]
        ),
        .executableTarget(name: "hotline", dependencies: ["HotlineCLI"]),
        .executableTarget(name: "hotline-bench", dependencies: ["HotlineCore"]),

        // Tests: one target per module, shared fixtures, and end-to-end runs of the built binary.
        .target(name: "TestSupport", dependencies: ["HotlineCore", "HotlineStore"], path: "Tests/TestSupport"),
        .testTarget(name: "HotlineCoreTests", dependencies: ["HotlineCore", "TestSupport"]),
        .testTarget(name: "HotlineStoreTests", dependencies: ["HotlineStore", "TestSupport"]),
        .testTarget(name: "HotlineIngestTests", dependencies: ["HotlineIngest", "TestSupport"]),
        .testTarget(
            name: "HotlineClassifyTests", dependencies: ["HotlineClassify", "HotlineIngest", "HotlineLearn", "TestSupport"]),
        .testTarget(
            name: "HotlineAggregateTests",
            dependencies: ["HotlineAggregate", "HotlineClassify", "HotlineIngest", "TestSupport"]
        ),
        .testTarget(name: "HotlineLearnTests", dependencies: ["HotlineLearn", "TestSupport"]),
        .testTarget(
            name: "HotlineDetectTests", dependencies: ["HotlineDetect", "HotlineClassify", "HotlineIngest", "TestSupport"]),
        .testTarget(name: "HotlineRenderTests", dependencies: ["HotlineRender", "TestSupport"]),
        .testTarget(name: "HotlineCLITests", dependencies: ["HotlineCLI", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["hotline", "TestSupport"]),
    ]
)
