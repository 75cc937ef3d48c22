import ArgumentParser
import Benchmarks
import Foundation

/// `hatnet bench …`: speed measurements that print figures (recorded in BENCHMARKS.md).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of a pipeline stage (build with -c release for real figures).",
        subcommands: [GemmBench.self, SlideBench.self])
}

struct GemmBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GFLOP/s of sgemm through Tensor.matmul and through raw cblas_sgemm.")

    @Option(help: "Matrix sizes n (each run multiplies two n×n matrices).")
    var sizes: [Int] = [1024, 2048]

    @Option(help: "Timed repetitions per size (best time is reported).")
    var repetitions: Int = 5

    func validate() throws {
        guard sizes.allSatisfy({ $0 > 0 && $0 <= 16384 }) else { throw ValidationError("--sizes must be between 1 and 16384") }
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() throws {
        for size in sizes {
            print(GemmBenchmark.run(size: size, repetitions: repetitions).line)
        }
    }
}

struct SlideBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slide",
        abstract: "Time slide → all words (bag 1792, word 256) on a large synthetic slide, with peak memory.",
        discussion: """
        Generates the synthetic slides once (kept in --directory), then streams all 2401 words. With \
        python3, openslide-python and opencv-python installed, also times the reference's path \
        (whole level 0 + cv2.resize) on the smaller slide.
        """)

    @Option(help: "Where the benchmark slides are kept.")
    var directory: String = FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-bench").path

    @Option(help: "Size of the large slide.")
    var size: SlideSize = SlideSize(width: 100_000, height: 80_000)

    @Option(name: .customLong("reference-size"), help: "Size of the slide compared with the Python reference path.")
    var referenceSize: SlideSize = SlideSize(width: 20_000, height: 15_000)

    @Flag(name: .customLong("skip-reference"), help: "Measure only the large slide (no reference-size slide, no Python).")
    var skipReference = false

    func run() throws {
        let progress = ProgressLine()
        let report: (String) -> Void = { progress.update("bench slide: \($0)") }
        let folder = URL(fileURLWithPath: directory)
        var lines: [String] = []
        let sizes: [SlideSize] = skipReference ? [size] : [size, referenceSize]
        for (index, slideSize) in sizes.enumerated() {
            let (url, generation) = try SlideBenchmark.slide(width: slideSize.width, height: slideSize.height, in: folder, progress: report)
            if let generation { lines.append(String(format: "generated %@ in %.1f s", url.lastPathComponent, generation)) }
            let label = "swift \(slideSize.width)x\(slideSize.height)"
            lines.append(try SlideBenchmark.measureSwift(slide: url, label: label, progress: report).line)
            if index == 1 {
                report("python reference on \(url.lastPathComponent)")
                if let reference = try SlideBenchmark.measureReference(slide: url, label: "python reference \(slideSize.width)x\(slideSize.height)") {
                    lines.append(reference.line)
                } else {
                    lines.append("python reference: skipped (python3 with openslide-python and opencv-python not found)")
                }
            }
        }
        progress.finish()
        lines.forEach { print($0) }
    }
}
