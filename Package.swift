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

        // One module per job, in the order data flows.
        .target(name: "HotlineCore", exclude: ["README.md"]),
        .target(name: "HotlineStore", dependencies: ["HotlineCore", "CSQLite"], exclude: ["README.md"]),
        .target(name: "HotlineFormats", dependencies: ["HotlineCore", "CZlib", "CLibXML2"], exclude: ["README.md"]),
        .target(
            name: "HotlineIngest", dependencies: ["HotlineCore", "HotlineStore", "HotlineFormats"], exclude: ["README.md"]),
        .target(name: "HotlineLearn", dependencies: ["HotlineCore", "HotlineStore", "HotlineIngest"], exclude: ["README.md"]),
        .target(
            name: "HotlineClassify", dependencies: ["HotlineCore", "HotlineStore", "HotlineIngest", "HotlineLearn"],
            exclude: ["README.md"]),
        .target(
            name: "HotlineAggregate",
            dependencies: ["HotlineCore", "HotlineStore", "HotlineFormats", "HotlineIngest", "HotlineClassify"],
            exclude: ["README.md"]),
        .target(
            name: "HotlineDetect", dependencies: ["HotlineCore", "HotlineStore", "HotlineIngest", "HotlineClassify"],
            exclude: ["README.md"]),
        .target(
            name: "HotlineRender",
            dependencies: [
                "CHotlineSystem", "HotlineCore", "HotlineStore", "HotlineFormats", "HotlineIngest", "HotlineClassify",
                "HotlineAggregate", "HotlineDetect",
            ],
            exclude: ["README.md"]),
        .target(
            name: "HotlineCLI",
            dependencies: [
                "CHotlineSystem", "HotlineCore", "HotlineStore", "HotlineIngest", "HotlineLearn", "HotlineClassify",
                "HotlineAggregate", "HotlineDetect", "HotlineRender",
            ],
            exclude: ["README.md"]
        ),
        .executableTarget(name: "hotline", dependencies: ["HotlineCLI"]),
        .executableTarget(name: "hotline-bench", dependencies: ["HotlineCore"]),

        // Tests: one target per module, shared fixtures, and end-to-end runs of the built binary.
        .target(
            name: "TestSupport", dependencies: ["HotlineCore", "HotlineStore", "HotlineFormats"], path: "Tests/TestSupport"),
        .testTarget(name: "HotlineCoreTests", dependencies: ["HotlineCore", "TestSupport"]),
        .testTarget(name: "HotlineStoreTests", dependencies: ["HotlineStore", "TestSupport"]),
        .testTarget(name: "HotlineFormatsTests", dependencies: ["HotlineFormats", "TestSupport"]),
        .testTarget(name: "HotlineIngestTests", dependencies: ["HotlineIngest", "HotlineFormats", "TestSupport"]),
        .testTarget(name: "HotlineLearnTests", dependencies: ["HotlineLearn", "HotlineIngest", "TestSupport"]),
        .testTarget(
            name: "HotlineClassifyTests", dependencies: ["HotlineClassify", "HotlineIngest", "HotlineLearn", "TestSupport"]),
        .testTarget(
            name: "HotlineAggregateTests",
            dependencies: ["HotlineAggregate", "HotlineClassify", "HotlineIngest", "TestSupport"]
        ),
        .testTarget(
            name: "HotlineDetectTests", dependencies: ["HotlineDetect", "HotlineClassify", "HotlineIngest", "TestSupport"]),
        .testTarget(
            name: "HotlineRenderTests",
            dependencies: [
                "HotlineRender", "HotlineAggregate", "HotlineDetect", "HotlineClassify", "HotlineIngest", "TestSupport",
            ]),
        .testTarget(
            name: "HotlineCLITests",
            dependencies: [
                "HotlineCLI", "HotlineStore", "HotlineIngest", "HotlineClassify", "HotlineAggregate", "HotlineDetect",
                "TestSupport",
            ]),
        .testTarget(name: "EndToEndTests", dependencies: ["hotline", "TestSupport"]),
    ]
)
