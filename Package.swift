// swift-tools-version:6.0
// HATNet in Swift: one target per pipeline stage, data flowing one way (see README and DESIGN notes).
import PackageDescription

let package = Package(
    name: "hatnet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hatnet", targets: ["hatnet"]),
        // The parsing modules, as libraries for the fuzz harnesses of Fuzz/Package.swift.
        .library(name: "TensorKit", targets: ["TensorKit"]),
        .library(name: "Checkpoints", targets: ["Checkpoints"]),
        .library(name: "Slides", targets: ["Slides"]),
        .library(name: "Synthesis", targets: ["Synthesis"]),
        .library(name: "HATNet", targets: ["HATNet"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "Visualization", targets: ["Visualization"]),
        .library(name: "Encoders", targets: ["Encoders"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // MARK: System libraries (Debian -dev packages, found through pkg-config)
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CAllocator"),  // glibc's <malloc.h> (mallopt)
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "COpenSlide", pkgConfig: "openslide", providers: [.apt(["libopenslide-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),

        // MARK: Pipeline stages
        // Hot kernels built for AVX2 + FMA CPUs; TensorKit calls them only after checking the CPU.
        .target(name: "VectorKernelsAVX2",
                swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"]),
                                .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
                                .unsafeFlags(["-O"], .when(configuration: .debug))]),
        // The same kernels' AVX-512 twins (AVX512F; same results bit for bit), for CPUs that have it.
        .target(name: "VectorKernelsAVX512", dependencies: ["VectorKernelsAVX2"],
                swiftSettings: [.unsafeFlags(["-target-cpu", "skylake-avx512"]),
                                .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
                                .unsafeFlags(["-O"], .when(configuration: .debug))]),
        .target(name: "TensorKit", dependencies: ["CBLAS", "CAllocator", "VectorKernelsAVX2", "VectorKernelsAVX512"],
                // Kernels are optimised even in debug builds: unoptimised SIMD code is ~50× slower and
                // would make the test suite crawl.
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
                                .unsafeFlags(["-O"], .when(configuration: .debug))]),

        .target(name: "NN", dependencies: ["TensorKit"]),
        .target(name: "HATNet", dependencies: ["NN", "TensorKit", "FileOutput"]),

        // Atomic output files (temporary file + rename), shared by every stage that writes.
        .target(name: "FileOutput"),
        .target(name: "Checkpoints", dependencies: ["TensorKit", "FileOutput", "CZlib"]),
        .target(name: "Pipeline", dependencies: ["TensorKit", "NN", "HATNet", "Checkpoints", "Reports", "Slides", "Encoders", "FileOutput"]),

        .target(name: "Reports", dependencies: ["TensorKit", "CCairo", "FileOutput"]),

        // Optimised in debug builds too: resampling words unoptimised made the end-to-end tests
        // (DemoTests, `hatnet demo --small`) several times slower.
        .target(name: "Slides", dependencies: ["TensorKit", "FileOutput", "COpenSlide", "CPNG", "CTurboJPEG", "CTIFF", "CZlib"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
                                .unsafeFlags(["-O"], .when(configuration: .debug))]),

        // Generated data for tests, benchmarks and the demo (not a slide reader): H&E-like slides
        // with lesions, masks and GeoJSON, written with Slides' writers (`hatnet synth`), and word-feature
        // cohorts written into a Pipeline feature cache. Above Pipeline; nothing in the pipeline uses it.
        // Optimised in debug builds too: drawing synthetic slides unoptimised made the end-to-end
        // tests (DemoTests, `hatnet demo --small`) several times slower.
        .target(name: "Synthesis", dependencies: ["Slides", "Pipeline", "TensorKit", "FileOutput"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
                                .unsafeFlags(["-O"], .when(configuration: .debug))]),

        // Optimised in debug builds too: the SHA-256 check of downloaded weights and the weight
        // packing would otherwise take seconds in every test run.
        .target(name: "Encoders", dependencies: ["TensorKit", "Checkpoints", "FileOutput", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
                                .unsafeFlags(["-O"], .when(configuration: .debug))]),

        // HDF5 files through the C library: one owner type per handle kind, hostile-safe reading.
        .target(name: "HDF5", dependencies: ["CHDF5", "TensorKit", "FileOutput"]),
        // Patch features in TRIDENT's and CLAM's HDF5 layouts: exported from and imported into the
        // feature cache (imported onto HATNet's word grid). Above Pipeline, like Synthesis.
        .target(name: "FeatureInterop", dependencies: ["HDF5", "Pipeline", "Slides", "TensorKit", "FileOutput",
                                                     .product(name: "Crypto", package: "swift-crypto")]),

        // Attention maps on the slide, annotation coverage and the HTML report.
        .target(name: "Visualization", dependencies: ["Reports", "Slides", "HATNet", "Checkpoints", "TensorKit", "FileOutput"]),

        // The whole product on an embedded default (`hatnet demo`): synthetic cohort → report.
        .target(name: "Demo", dependencies: ["Slides", "Synthesis", "Encoders", "Pipeline", "Reports", "Visualization", "FileOutput"]),

        // Cohorts beyond one machine: per-slide work units, the manifest, locks, shards, SLURM arrays.
        .target(name: "Cohort", dependencies: ["Pipeline", "Visualization", "Slides", "Encoders", "FileOutput",
                                               .product(name: "Crypto", package: "swift-crypto")]),
        // The slide viewer (`hatnet serve`): Deep Zoom tiles of slides and attention overlays over HTTP
        // (Hummingbird), OpenSeadragon pages. Reads what predict/visualize/demo wrote; writes nothing.
        .target(name: "Viewer", dependencies: ["Slides", "Visualization", "Pipeline", "FileOutput",
                                               .product(name: "Hummingbird", package: "hummingbird")]),

        // MARK: Benchmarks (commands that print figures; never timed in tests)
        .target(name: "Benchmarks", dependencies: ["TensorKit", "VectorKernelsAVX2", "VectorKernelsAVX512", "NN", "HATNet", "CBLAS", "Slides", "Synthesis", "Encoders", "Pipeline", "Checkpoints", "Viewer"]),

        // MARK: Command-line tool
        .executableTarget(name: "hatnet", dependencies: [
            "TensorKit", "NN", "HATNet", "Checkpoints", "Slides", "Synthesis", "Encoders", "Pipeline", "Reports", "Visualization", "Demo", "Benchmarks",
            "FileOutput", "Cohort", "FeatureInterop", "Viewer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Tests
        .testTarget(name: "TensorKitTests", dependencies: ["TensorKit", "VectorKernelsAVX2", "VectorKernelsAVX512", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "TensorKit"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Synthesis", "HATNet", "NN", "Checkpoints", "Reports", "Slides", "Encoders", "TensorKit", "TestSupport"]),
        .testTarget(name: "HATNetTests", dependencies: ["HATNet", "NN", "Checkpoints", "TensorKit", "TestSupport"]),
        // Fixture files live in Tests/Fixtures/reference and are located through #filePath.
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "TensorKit", "TestSupport"]),
        // Helpers shared by test targets (temporary directories, the pinned Python interpreter,
        // `expectClose` for parity checks, `ChildProcess` for every program a test runs).
        .target(name: "TestSupport", dependencies: ["TensorKit"], path: "Tests/TestSupport"),
        .testTarget(name: "FileOutputTests", dependencies: ["FileOutput", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "TensorKit", "TestSupport"]),
        // Synthesis only for the synthetic pyramid the slide readers are tested on.
        .testTarget(name: "SlidesTests", dependencies: ["Slides", "Synthesis", "Checkpoints", "TensorKit", "TestSupport"]),
        .testTarget(name: "SynthesisTests", dependencies: ["Synthesis", "Slides", "TestSupport"]),
        .testTarget(name: "EncodersTests", dependencies: ["Encoders", "Checkpoints", "TensorKit", "TestSupport"]),
        .testTarget(name: "DemoTests", dependencies: ["Demo", "Visualization", "Reports", "TestSupport"]),
        // The built `hatnet` binary against hostile files and options.
        .testTarget(name: "CLITests", dependencies: ["Checkpoints", "HATNet", "Pipeline", "Slides", "Synthesis", "TensorKit", "TestSupport"]),
        .testTarget(name: "CohortTests", dependencies: ["Cohort", "FileOutput"]),
        .testTarget(name: "FeatureInteropTests", dependencies: ["FeatureInterop", "HDF5", "Pipeline", "Slides", "Synthesis", "TensorKit", "TestSupport"]),
        // The `hatnet serve` binary over HTTP (OpenSlide's DeepZoomGenerator as reference) and in Chromium.
        .testTarget(name: "ViewerTests", dependencies: ["Viewer", "Slides", "Synthesis", "Visualization", "HATNet", "Checkpoints",
                                                   "TensorKit", "TestSupport"]),
        // The peers' PyTorch twins against the reference fixtures.
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks", "Encoders", "TestSupport"]),
        .testTarget(name: "VisualizationTests", dependencies: ["Visualization", "Reports", "Slides", "Synthesis", "Checkpoints", "TensorKit", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
