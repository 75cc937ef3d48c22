import ArgumentParser
import Benchmarks
import Encoders
import Foundation
import HATNet
import Slides
import TensorKit

/// `hatnet bench …`: speed measurements that print figures (recorded in BENCHMARKS.md).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of a pipeline stage (build with -c release for real figures).",
        subcommands: [GemmBench.self, AttentionBench.self, EncodersBench.self, SlideBench.self, TrainingBench.self, PredictBench.self,
                      ServeBench.self])
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

    @Flag(name: .customLong("only-foundation"), help: "Time only the foundation-era encoders (no CNN table).")
    var onlyFoundation = false

    @Option(name: .customLong("foundation-batch"),
            help: "Words each core encodes together in the foundation-era encoders (1: one word per core; the bag size: every ViT linear layer one GEMM over all tokens of the bag, split over the cores).")
    var foundationBatch: Int = 1

    @Option(name: .customLong("foundation-repetitions"),
            help: "Timed passes (after one warm-up) of each foundation-era encoder and of PyTorch's; ViT-L/16 takes minutes per pass.")
    var foundationRepetitions: Int = 2

    @Flag(name: .customLong("layer-profile"),
          help: "Instead of the tables: time every layer of MobileNetV2, MnasNet and EfficientNet-Lite0 (stem, each block's expand / depthwise / project and the block fused, head, pooling) on one --size² word a core, with MACs, GFLOP/s and % of the FMA peak measured now, and each layer again inside whole-word runs (in chain ms).")
    var layerProfile = false

    func validate() throws {
        guard !(layerProfile && (peers || onlyFoundation)) else {
            throw ValidationError("--layer-profile excludes --peers and --only-foundation")
        }
        guard (1...10_000).contains(words), (32...4096).contains(size), (1...1024).contains(batch), (1...1000).contains(repetitions) else {
            throw ValidationError("--words must be 1…10000, --size 32…4096, --batch 1…1024 and --repetitions 1…1000")
        }
        guard (1...10_000).contains(foundationBatch), (1...100).contains(foundationRepetitions) else {
            throw ValidationError("--foundation-batch must be 1…10000 and --foundation-repetitions 1…100")
        }
        guard !(skipFoundation && onlyFoundation) else { throw ValidationError("--skip-foundation and --only-foundation exclude each other") }
    }

    @Flag(help: "Also run ONNX Runtime, OpenVINO and PyTorch in the same invocation, interleaved with ours (needs $HATNET_PYTHON from scripts/python-env.sh).")
    var peers = false

    /// The CNN table: with --peers interleaved with ONNX Runtime, OpenVINO and PyTorch, otherwise ours alone.
    private func timeConvolutionalEncoders() throws {
        if peers, let session = try peerSession() {
            defer { session.close() }
            print("\(words) words of 3×\(size)×\(size), batch \(batch), \(ParallelLoop.workerCount) threads for ours and each peer, best of \(repetitions), interleaved")
            print(PeerComparison.markdownHeader)
            for architecture in encoders {
                let comparison = try EncoderBenchmark.runWithPeers(architecture, wordCount: words, wordSize: size, batchSize: batch,
                                                                   repetitions: repetitions, session: session)
                print(comparison.markdownRow)
            }
            return
        }
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
    }

    /// `--layer-profile`: the FMA peak, then each chain CNN's per-layer table.
    private func profileLayers() throws {
        let peak = EncoderLayerProfile.fusedMultiplyAddPeakGFLOPS()
        print(EncoderLayerProfile.peakDescription(peak))
        for architecture in encoders {
            print("")
            do {
                print(try EncoderLayerProfile.run(architecture, wordSize: size, repetitions: repetitions, peakGFLOPS: peak).markdown)
            } catch let error as EncoderLayerProfileError {
                print("\(error)")
            }
        }
    }

    func run() throws {
        if layerProfile { return try profileLayers() }
        if !onlyFoundation { try timeConvolutionalEncoders() }
        guard !skipFoundation else { return }
        let peak = FoundationEncoderBenchmark.gemmPeakGFLOPS()
        print("")
        print(String(format: "GEMM peak measured now (bench gemm 2048³, best of Tensor.matmul and raw cblas_sgemm): %.1f GFLOP/s", peak))
        print("foundation-era encoders, \(words) words, best of \(foundationRepetitions); PyTorch: the same architecture, whole bag as one batch, measured now")
        print(FoundationEncoderBenchmark.Result.markdownHeader)
        for model in foundationEncoders {
            print(try FoundationEncoderBenchmark.run(model, wordCount: words, cnnWordSize: size, repetitions: foundationRepetitions,
                                                     batchSize: foundationBatch, gemmPeakGFLOPS: peak).markdownRow)
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

    @Option(name: .customLong("bags-words"), help: "Bags a side (= words a bag side): 7 in the authors' setting (49 × 49 words).")
    var bagsWords: Int = 7

    @Option(help: "CNN features per word (1280 for MobileNetV2 or EfficientNet-Lite0).")
    var features: Int = 1280

    func validate() throws {
        guard (1...1000).contains(repetitions) else { throw ValidationError("--repetitions must be 1…1000, got \(repetitions)") }
        guard (1...HATNetConfiguration.maximumBagsWords).contains(bagsWords), (1...65_536).contains(features) else {
            throw ValidationError("--bags-words must be 1…\(HATNetConfiguration.maximumBagsWords) and --features 1…65536")
        }
    }

    @Flag(help: "Also time the PyTorch twin of the reference MIModel in the same invocation, interleaved with ours (needs $HATNET_PYTHON from scripts/python-env.sh).")
    var peers = false

    func run() throws {
        if peers, let session = try peerSession() {
            defer { session.close() }
            print("\(ParallelLoop.workerCount) threads for ours and PyTorch, best of \(repetitions), interleaved")
            print(PeerComparison.markdownHeader)
            try AttentionBenchmark.runWithPeers(numBagsWords: bagsWords, cnnFeatures: features, repetitions: repetitions, session: session)
                .forEach { print($0.markdownRow) }
            return
        }
        try AttentionBenchmark.run(numBagsWords: bagsWords, cnnFeatures: features, repetitions: repetitions).lines.forEach { print($0) }
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

/// The peer process for `--peers`, or nil after printing how to create the environment (the bench
/// then prints our figures alone).
func peerSession() throws -> PeerSession? {
    if let reason = PeerSession.unavailabilityReason() {
        print("peers: not run. " + reason)
        return nil
    }
    return try PeerSession()
}

/// A bag and word size `B/W` on the command line (`1792/256`), validated as a grid layout.
struct GridArgument: ExpressibleByArgument {
    let layout: WordGridLayout

    init?(argument: String) {
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let bag = Int(parts[0]), let word = Int(parts[1]),
              let layout = try? WordGridLayout(validatingBagSize: bag, wordSize: word) else { return nil }
        self.layout = layout
    }

    init(_ layout: WordGridLayout) { self.layout = layout }

    var defaultValueDescription: String { "\(layout.bagSize)/\(layout.wordSize)" }
}

struct PredictBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Time slide → diagnosis per stage (open, resample, encode, attend) with peak memory, on synthetic slides.",
        discussion: """
        The authors' setting by default: bag 1792, word 256 (7 × 7 bags of 7 × 7 words), EfficientNet-Lite0, \
        synthetic weights. Slides are generated once as pyramidal TIFFs (tile by tile, bounded memory) and kept \
        in --directory. --peers also runs the same pipeline built from openslide-python, OpenCV and ONNX Runtime \
        on the smallest slide. --sweep times every --grids layout on every --sizes slide and prints a table.
        """)

    @Option(help: "Where the benchmark slides are kept.")
    var directory: String = FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-bench").path

    @Option(parsing: .upToNextOption, help: "Slide sizes (WxH); with --sweep the default is 10000x10000 20000x15000 50000x40000 100000x80000.")
    var sizes: [SlideSize] = []

    @Option(parsing: .upToNextOption, help: "Grid layouts B/W; with --sweep the default is the five training scales 1344/192 … 2240/320.")
    var grids: [GridArgument] = []

    @Option(help: "Word encoder.")
    var encoder: EncoderArchitecture = .efficientNetLite0

    @Flag(help: "Also run the pipeline built from peers (openslide-python + OpenCV + ONNX Runtime) on the smallest slide.")
    var peers = false

    @Flag(help: "Time every grid on every slide size and print a Markdown table.")
    var sweep = false

    func validate() throws {
        for size in sizes where !((256...200_000).contains(size.width) && (256...200_000).contains(size.height)) {
            throw ValidationError("--sizes must be between 256x256 and 200000x200000, got \(size.width)x\(size.height)")
        }
        guard grids.count <= 64, sizes.count <= 64 else { throw ValidationError("at most 64 --sizes and 64 --grids") }
    }

    func run() throws {
        let sizes = !self.sizes.isEmpty ? self.sizes : sweep
            ? [SlideSize(width: 10_000, height: 10_000), SlideSize(width: 20_000, height: 15_000),
               SlideSize(width: 50_000, height: 40_000), SlideSize(width: 100_000, height: 80_000)]
            : [SlideSize(width: 20_000, height: 15_000), SlideSize(width: 100_000, height: 80_000)]
        let authors = WordGridLayout(bagSize: 1792, wordSize: 256)
        let layouts = !grids.isEmpty ? grids.map(\.layout) : sweep ? authors.multiScalePairs(scaleFactor: 32, multipliers: [-2, -1, 0, 1, 2]) : [authors]
        let encoderModel = try PredictBenchmark.encoder(encoder, layouts: layouts)
        let progress = ProgressLine()
        let report: (String) -> Void = { progress.update("bench predict: \($0)") }
        let folder = URL(fileURLWithPath: directory)
        var slides: [(label: String, pixels: Int, url: URL)] = []
        for size in sizes {
            let (url, generation) = try SlideBenchmark.slide(width: size.width, height: size.height, in: folder, progress: report)
            if let generation { progress.finish(); print(String(format: "generated %@ in %.1f s", url.lastPathComponent, generation)) }
            slides.append(("\(size.width)x\(size.height)", size.width * size.height, url))
        }
        var results: [PredictBenchmark.Result] = []
        for layout in layouts {
            let model = try PredictBenchmark.model(for: encoderModel, layout: layout)
            for slide in slides {
                let result = try PredictBenchmark.run(slide: slide.url, layout: layout, encoder: encoderModel, model: model,
                                                      label: slide.label, progress: report)
                progress.finish()
                print(result.line)
                results.append(result)
            }
        }
        if peers, let smallest = slides.min(by: { $0.pixels < $1.pixels }) {
            if let session = try peerSession() {
                defer { session.close() }
                report("peers on \(smallest.label)")
                for layout in layouts {
                    let result = try session.slidePipeline(slide: smallest.url, layout: layout, encoder: encoder.rawValue,
                                                           threads: ParallelLoop.workerCount,
                                                           label: "\(smallest.label) peers (openslide-python + OpenCV + ONNX Runtime)")
                    progress.finish()
                    print(result.line)
                    results.append(result)
                }
            }
        }
        print("\(encoder.rawValue), \(ParallelLoop.workerCount) threads, synthetic weights")
        print(PredictBenchmark.Result.markdownHeader)
        results.forEach { print($0.markdownRow) }
    }
}
