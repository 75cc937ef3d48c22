import ArgumentParser
import Benchmarks
import Encoders
import Foundation

/// `hatnet bench …`: speed measurements that print figures (recorded in BENCHMARKS.md).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of a pipeline stage (build with -c release for real figures).",
        subcommands: [GemmBench.self, AttentionBench.self, EncodersBench.self, SlideBench.self, TrainingBench.self])
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
        guard (1...1000).contains(repetitions) else { throw ValidationError("--repetitions must be 1…1000, got \(repetitions)") }
    }

    func run() throws {
        for size in sizes {
            print(GemmBenchmark.run(size: size, repetitions: repetitions).line)
        }
    }
}

struct EncodersBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encoders",
        abstract: "Seconds to encode one bag (49 words of 3×256×256) with each word encoder, and peak memory.",
        discussion: "Weights are synthetic (speed depends only on shapes). PyTorch figures are the issue's PyTorch 2.15 CPU times.")

    @Option(help: "Encoders to time.")
    var encoders: [EncoderArchitecture] = [.mobilenetv2, .mnasnet, .espnetv2, .efficientNetLite0]

    @Option(help: "Words per bag.")
    var words: Int = 49

    @Option(help: "Word size in pixels.")
    var size: Int = 256

    @Option(help: "Words each core pushes through the network together.")
    var batch: Int = 1

    @Option(help: "Timed repetitions (after one warm-up).")
    var repetitions: Int = 3

    @Option(name: .customLong("foundation-encoders"),
            help: "Foundation-era encoders timed after the CNNs, with PyTorch's time for the same model measured in this run: \(FoundationEncoderBenchmark.Model.allCases.map(\.rawValue).joined(separator: ", ")). ViTs take 224² words.")
    var foundationEncoders: [FoundationEncoderBenchmark.Model] = FoundationEncoderBenchmark.Model.allCases

    @Flag(name: .customLong("skip-foundation"), help: "Time only the CNN encoders.")
    var skipFoundation = false

    func validate() throws {
        guard (1...10_000).contains(words), (32...4096).contains(size), (1...1024).contains(batch), (1...1000).contains(repetitions) else {
            throw ValidationError("--words must be 1…10000, --size 32…4096, --batch 1…1024 and --repetitions 1…1000")
        }
    }

    func run() throws {
        print(EncoderBenchmark.pyTorchIsImportable()
              ? "note: \(PythonInterpreter.displayName) can import torch; figures below still compare with the issue's PyTorch 2.15 times"
              : "\(PythonInterpreter.displayName) cannot import torch: comparing with the issue's PyTorch 2.15 CPU times")
        print("\(words) words of 3×\(size)×\(size), batch \(batch), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print(EncoderBenchmark.Result.markdownHeader)
        for architecture in encoders {
            let result = try EncoderBenchmark.run(architecture, wordCount: words, wordSize: size, batchSize: batch,
                                                  repetitions: repetitions)
            print(result.markdownRow)
        }
        guard !skipFoundation else { return }
        print("")
        print("foundation-era encoders, \(words) words; PyTorch: the same architecture, whole bag as one batch, measured now")
        print(FoundationEncoderBenchmark.Result.markdownHeader)
        for model in foundationEncoders {
            print(try FoundationEncoderBenchmark.run(model, wordCount: words, cnnWordSize: size, repetitions: repetitions).markdownRow)
        }
    }
}

extension FoundationEncoderBenchmark.Model: ExpressibleByArgument {}

struct AttentionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Seconds per training step and per inference of the HATNet attention network (49×49 words, F 1280).")

    @Option(help: "Timed repetitions (the median is reported).")
    var repetitions: Int = 5

    func validate() throws {
        guard (1...1000).contains(repetitions) else { throw ValidationError("--repetitions must be 1…1000, got \(repetitions)") }
    }

    func run() throws {
        AttentionBenchmark.run(repetitions: repetitions).lines.forEach { print($0) }
    }
}

struct TrainingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Seconds per training epoch on cached features (authors' setting: 49×49 words, F 1280, Adam, accumulation 8).",
        discussion: "Writes a synthetic feature cache of --slides slides (12 MB each) into --directory, trains, and removes it.")

    @Option(help: "Training slides per epoch.")
    var slides: Int = 100

    @Option(help: "Epochs to time (the best is reported).")
    var epochs: Int = 2

    @Option(help: "Where the temporary feature cache goes.")
    var directory: String = FileManager.default.temporaryDirectory.path

    func validate() throws {
        guard (1...100_000).contains(slides), (1...1000).contains(epochs) else {
            throw ValidationError("--slides must be 1…100000 and --epochs 1…1000")
        }
    }

    func run() throws {
        let line = ProgressLine()
        let result = try TrainingBenchmark.run(slides: slides, epochs: epochs, directory: URL(fileURLWithPath: directory, isDirectory: true)) {
            line.update($0)
        }
        line.finish()
        result.lines.forEach { print($0) }
    }
}

struct SlideBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slide",
        abstract: "Time slide → all words (bag 1792, word 256) on a large synthetic slide, with peak memory.",
        discussion: """
        Generates the synthetic slides once (kept in --directory), then streams all 2401 words. With \
        openslide-python and opencv-python importable by $HATNET_PYTHON (else python3), also times \
        the reference's path (whole level 0 + cv2.resize) on the smaller slide.
        """)

    @Option(help: "Where the benchmark slides are kept.")
    var directory: String = FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-bench").path

    @Option(help: "Size of the large slide.")
    var size: SlideSize = SlideSize(width: 100_000, height: 80_000)

    @Option(name: .customLong("reference-size"), help: "Size of the slide compared with the Python reference path.")
    var referenceSize: SlideSize = SlideSize(width: 20_000, height: 15_000)

    @Flag(name: .customLong("skip-reference"), help: "Measure only the large slide (no reference-size slide, no Python).")
    var skipReference = false

    func validate() throws {
        for (option, value) in [("--size", size), ("--reference-size", referenceSize)] {
            guard (256...200_000).contains(value.width), (256...200_000).contains(value.height) else {
                throw ValidationError("\(option) must be between 256x256 and 200000x200000, got \(value.width)x\(value.height)")
            }
        }
    }

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
                    lines.append("python reference: skipped (\(PythonInterpreter.displayName) cannot import openslide-python and opencv-python)")
                }
            }
        }
        progress.finish()
        lines.forEach { print($0) }
    }
}
