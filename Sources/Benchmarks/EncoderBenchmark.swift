import Encoders
import Foundation
import TensorKit

/// Times the word encoders on one bag of the authors' setting: `wordCount` words of
/// `wordSize`×`wordSize`×3 (channels-last, as a `WordBag` holds them), encoded as a batch, and
/// records the peak resident memory of each run.
/// Weights are synthetic (``EncoderWeights/synthetic(seed:)``): speed depends only on shapes.
public enum EncoderBenchmark {
    /// PyTorch 2.15 CPU times for 49 words of 256², on this 2-core machine (issue "Word encoders").
    public static let pyTorchSeconds: [String: Double] = [
        "mobilenetv2": 1.61, "mnasnet": 1.36, "espnetv2": 1.74,
    ]

    public struct Result: Sendable {
        public let encoder: String
        public let bestSeconds: Double
        public let medianSeconds: Double
        /// CPU time (user + system, all threads) of the fastest pass: on an idle machine the wall
        /// time approaches cpuSeconds / cores; on a loaded one it is the more stable figure.
        public let cpuSeconds: Double
        public let peakResidentMegabytes: Double?
        public let pyTorchSeconds: Double?

        /// `cpuSeconds / cores`: the wall time to expect on an otherwise idle machine, where both
        /// data-parallel workers get a whole core.
        public var idleEstimateSeconds: Double {
            cpuSeconds / Double(ParallelLoop.workerCount)
        }

        /// A Markdown table row under ``markdownHeader``.
        public var markdownRow: String {
            func ratio(_ seconds: Double) -> String {
                pyTorchSeconds.map { String(format: "%.2f", seconds / $0) } ?? "–"
            }
            let reference = pyTorchSeconds.map { String(format: "%.2f", $0) } ?? "–"
            let memory = peakResidentMegabytes.map { String(format: "%.0f", $0) } ?? "?"
            return String(format: "| %@ | %.3f | %.3f | %@ | %.2f | %.2f | %@ | %@ | %@ |", encoder, bestSeconds, medianSeconds,
                          ratio(bestSeconds), cpuSeconds, idleEstimateSeconds, ratio(idleEstimateSeconds), reference, memory)
        }

        public static let markdownHeader = """
            | encoder | best s | median s | ratio | CPU s (best pass) | CPU s ÷ cores | ratio | PyTorch s | peak RSS MB |
            | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
            """
    }

    /// Runs one warm-up and `repetitions` timed passes of `architecture` at `scale`.
    public static func run(_ architecture: EncoderArchitecture, scale: Double? = nil, wordCount: Int = 49,
                           wordSize: Int = 256, batchSize: Int = 1, repetitions: Int = 3) throws -> Result {
        try requireMemory(wordCount: wordCount, wordSize: wordSize, batchSize: batchSize)
        MemoryTuning.retainFreedBuffers()
        var generator = SeededGenerator(seed: 42)
        // words is [wordCount, wordSize, wordSize, 3], ImageNet-normalised-like values, channels-last
        // as the pipeline hands bags to the encoder
        let words = Tensor.normal([wordCount, wordSize, wordSize, 3], generator: &generator)
        let encoder = try architecture.makeEncoder(scale: scale, weights: .synthetic(seed: 1))
        try encoder.checkInput(height: wordSize, width: wordSize)
        resetPeakResidentBytes()
        _ = encoder.features(channelsLast: words, batchSize: batchSize)
        var passes = [(seconds: Double, cpuSeconds: Double)]()
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processCPUSeconds()
            let features = encoder.features(channelsLast: words, batchSize: batchSize)
            passes.append((Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, processCPUSeconds() - cpuStart))
            precondition(features.scalars.allSatisfy(\.isFinite), "\(encoder.name): non-finite features")
        }
        passes.sort { $0.seconds < $1.seconds }
        let times = passes.map(\.seconds)
        let usesDefaultScale = scale == nil || scale == architecture.defaultScale
        return Result(encoder: encoder.name, bestSeconds: times[0], medianSeconds: times[times.count / 2],
                      cpuSeconds: passes.map(\.cpuSeconds).min()!,
                      peakResidentMegabytes: peakResidentBytes().map { Double($0) / 1_048_576 },
                      pyTorchSeconds: usesDefaultScale ? pyTorchSeconds[architecture.rawValue] : nil)
    }

    /// Our encoder and the peers side by side in one run: the peer script makes seeded weights for
    /// the encoder's PyTorch twin (the reference's keys) and we load the same file; both encode the
    /// same words (one safetensors file) with `ParallelLoop.workerCount` threads; passes alternate
    /// (ours, ONNX Runtime, OpenVINO, PyTorch, ours, …) after a warm-up of each, best of
    /// `repetitions`; then each peer's features are compared with ours.
    public static func runWithPeers(_ architecture: EncoderArchitecture, scale: Double? = nil, wordCount: Int = 49,
                                    wordSize: Int = 256, batchSize: Int = 1, repetitions: Int = 3,
                                    peers: [Peer] = Peer.allCases, session: PeerSession) throws -> PeerComparison {
        try requireMemory(wordCount: wordCount, wordSize: wordSize, batchSize: batchSize)
        MemoryTuning.retainFreedBuffers()
        let scale = scale ?? architecture.defaultScale
        var generator = SeededGenerator(seed: 42)
        // [wordCount, wordSize, wordSize, 3] channels-last, as the pipeline hands bags to the encoder
        let words = Tensor.normal([wordCount, wordSize, wordSize, 3], generator: &generator)
        let inputs = session.directory.appendingPathComponent("words.safetensors")
        let weightsURL = session.directory.appendingPathComponent("\(architecture.rawValue)-weights.safetensors")
        try writeTensors([("words", words)], to: inputs)
        let loaded = try session.load(.encoder(architecture.rawValue, scale: scale, inputs: inputs, weightsOut: weightsURL),
                                      peers: peers, threads: ParallelLoop.workerCount)
        let encoder = try architecture.makeEncoder(scale: scale, weights: try EncoderWeights(contentsOf: weightsURL))
        try encoder.checkInput(height: wordSize, width: wordSize)
        var ours = Tensor.zeros([1])
        let entrants: [(name: String, pass: () throws -> Double)] = [("ours", {
            measureSeconds { ours = encoder.features(channelsLast: words, batchSize: batchSize) }
        })] + peers.filter { loaded.contains($0.rawValue) }.map { peer in (peer.rawValue, { try session.time(peer.rawValue) }) }
        let times = try InterleavedTimes(repetitions: repetitions, entrants: entrants, settle: { session.waitUntilIdle() })
        let outputs = try session.outputs()
        return PeerComparison(model: encoder.name, oursSeconds: times.best("ours")!, figures: peers.map { peer in
            .init(peer: peer, seconds: times.best(peer.rawValue),
                  maximumDifference: outputs[peer.rawValue].flatMap { relativeDifference($0, ours) })
        })
    }

    /// Floats a word in flight needs per input pixel, measured: MobileNetV2 at 256² peaks at ≈ 25 MB
    /// a core (≈ 95 floats a pixel, with the retained buffers); rounded up for the wider CNNs.
    static let activationFloatsPerPixel = 128

    /// Checks that the words (`[wordCount, wordSize, wordSize, 3]`) and the activations of the
    /// words the cores push through the network at once fit ``MemoryBudget``, before anything is
    /// allocated.
    /// - Throws: ``SizeLimitError`` naming the options.
    static func requireMemory(wordCount: Int, wordSize: Int, batchSize: Int) throws {
        let what = "--words \(wordCount), --size \(wordSize), --batch \(batchSize)"
        let inFlight = min(wordCount, ParallelLoop.workerCount * batchSize)
        guard let words = MemoryBudget.checkedProduct([wordCount, wordSize, wordSize, 3]),
              let activations = MemoryBudget.checkedProduct([inFlight, wordSize, wordSize, activationFloatsPerPixel]),
              case (let elements, false) = words.addingReportingOverflow(activations) else {
            throw SizeLimitError(what: what, bytesNeeded: nil, bytesAllowed: MemoryBudget.limitBytes)
        }
        try MemoryBudget.require(elements: elements, elementSize: MemoryLayout<Float>.size,
                                 for: "\(what): the words and the activations of \(inFlight) word(s) at once")
    }

    /// User + system CPU time of the whole process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return user + system
    }

    /// Whether `import torch` works in `$HATNET_PYTHON` (else `python3`), so the figures could be
    /// measured side by side.
    public static func pyTorchIsImportable() -> Bool {
        let process = PythonInterpreter.process(arguments: ["-c", "import torch"])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

/// Resets the process's peak resident size (`VmHWM`, read by ``peakResidentBytes()``) to its
/// current resident size, so each encoder's peak is measured on its own (Linux ≥ 4.0).
func resetPeakResidentBytes() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}
