// swift-tools-version:6.0
// libFuzzer harnesses for every parser of hatnet: one executable per parser, built with
// `swift build --sanitize=fuzzer --sanitize=address` (see scripts/fuzz.sh and RELIABILITY.md).
import Foundation
import PackageDescription

// A package referenced by path is identified by its directory's name (`main`, `wt-fuzz`, …),
// so the name is taken from where this manifest lives rather than written down.
let hatnetPackage = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

/// The harnesses: executable name → the hatnet libraries it needs.
let harnesses: [(name: String, libraries: [String])] = [
    ("fuzz-safetensors", ["Checkpoints"]),
    ("fuzz-pth-zip", ["Checkpoints"]),
    ("fuzz-unpickler", ["Checkpoints"]),
    ("fuzz-pth-legacy", ["Checkpoints"]),
    ("fuzz-geojson", ["Visualization"]),
    ("fuzz-split-file", ["Pipeline"]),
    ("fuzz-training-config", ["Pipeline"]),
    ("fuzz-model-config", ["HATNet"]),
    ("fuzz-vit-config", ["Encoders"]),
    ("fuzz-feature-cache", ["Pipeline", "Checkpoints", "TensorKit", "Slides"]),
    ("fuzz-png", ["Slides"]),
    ("fuzz-jpeg", ["Slides"]),  // + CTurboJPEGSeeds, below
    ("fuzz-tiff", ["Slides"]),
]

let package = Package(
    name: "hatnet-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "TensorKit", package: hatnetPackage)]),
        // libjpeg-turbo's compressor, to make the JPEG harness's seeds.
        .systemLibrary(name: "CTurboJPEGSeeds", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
    ] + harnesses.map { harness in
        .executableTarget(
            name: harness.name,
            dependencies: ["FuzzSupport"] + harness.libraries.map { .product(name: $0, package: hatnetPackage) }
                + (harness.name == "fuzz-jpeg" ? ["CTurboJPEGSeeds"] : []),
            path: "Sources/\(harness.name)",
            // No main: libFuzzer's main calls LLVMFuzzerTestOneInput.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    },
    swiftLanguageModes: [.v5]
)
