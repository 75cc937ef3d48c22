import Foundation
import HATNet
import NN
import TensorKit

/// Times the HATNet attention network in the authors' configuration (49 bags × 49 words,
/// F = 1280, d = 256, 4 heads, softmax / l2): one training step (forward, cross-entropy,
/// backward, Adam) and one inference (eval mode, no gradients).
public enum AttentionBenchmark {
    public struct Result: Sendable {
        /// Medians over the timed repetitions.
        public let trainingStepSeconds: Double
        public let inferenceSeconds: Double
        /// Fastest repetitions: steadier than the median on a machine with noisy neighbours.
        public let fastestTrainingStepSeconds: Double
        public let fastestInferenceSeconds: Double
        public let peakResidentBytes: Int?

        public var lines: [String] {
            [String(format: "attention training step: %.3f s (median), %.3f s (fastest)", trainingStepSeconds, fastestTrainingStepSeconds),
             String(format: "attention inference: %.3f s (median), %.3f s (fastest)", inferenceSeconds, fastestInferenceSeconds),
             "peak memory: " + (peakResidentBytes.map { String(format: "%.0f MB", Double($0) / 1_048_576) } ?? "unknown"),
             "OpenBLAS kernels: " + BLASThreading.kernelFamily]
        }
    }

    /// The benchmark's model (seeded), words `[1, n², n², F]` (seeded normal) and Adam (the
    /// authors' settings), shared by ``run(numBagsWords:cnnFeatures:repetitions:)`` and the peer run.
    struct Workload {
        let configuration: HATNetConfiguration
        let model: HATNetModel
        let words: Tensor
        let optimizer: Adam

        /// - Throws: ``SizeLimitError`` when the model and one slide's attention do not fit in memory.
        init(numBagsWords: Int, cnnFeatures: Int) throws {
            configuration = HATNetConfiguration(numClasses: 4, cnnFeatures: cnnFeatures, outFeatures: 256,
                                                numBagsWords: numBagsWords, numHeads: 4, energyReduction: .l2,
                                                attentionFunction: .softmax)
            try configuration.validate()
            MemoryTuning.retainFreedBuffers()
            model = HATNetModel(configuration: configuration, seed: 1)
            let positions = configuration.positionsPerGrid
            var generator = SeededGenerator(seed: 2)
            words = Tensor.normal([1, positions, positions, cnnFeatures], generator: &generator)
            optimizer = Adam(parameters: model.parameters, learningRate: 1e-4, eps: 1e-9, weightDecay: 4e-6)
        }

        /// Forward in training mode, weighted cross-entropy (target 1, unit weights), backward, Adam.
        func trainingStep() {
            model.train()
            let (logits, _) = model(words)
            let loss = CrossEntropy.loss(logits: logits, targets: [1], classWeights: [Float](repeating: 1, count: configuration.numClasses))
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
        }
    }

    public static func run(numBagsWords: Int = 7, cnnFeatures: Int = 1280, repetitions: Int = 5) throws -> Result {
        let workload = try Workload(numBagsWords: numBagsWords, cnnFeatures: cnnFeatures)
        let (model, words) = (workload.model, workload.words)
        var trainingTimes: [Double] = []
        for _ in 0...repetitions {
            trainingTimes.append(measureSeconds { workload.trainingStep() })
        }
        model.eval()
        var inferenceTimes: [Double] = []
        for _ in 0...repetitions {
            inferenceTimes.append(measureSeconds {
                _ = model.infer(words)
            })
        }
        return Result(trainingStepSeconds: median(trainingTimes.dropFirst()),
                      inferenceSeconds: median(inferenceTimes.dropFirst()),
                      fastestTrainingStepSeconds: trainingTimes.dropFirst().min() ?? 0,
                      fastestInferenceSeconds: inferenceTimes.dropFirst().min() ?? 0,
                      peakResidentBytes: peakResidentBytes())
    }

    /// Ours and the PyTorch twin of the reference `MIModel` side by side in one run: the twin loads
    /// our initial state dict and the same words; training steps alternate (ours, PyTorch, …) after
    /// a warm-up of each, then inferences the same way; best of `repetitions` each. Before timing,
    /// the twin's inference probabilities are compared with ours (same weights, eval mode).
    /// Returns the inference line, then the training-step line.
    public static func runWithPeers(numBagsWords: Int = 7, cnnFeatures: Int = 1280, repetitions: Int = 5,
                                    session: PeerSession) throws -> [PeerComparison] {
        let workload = try Workload(numBagsWords: numBagsWords, cnnFeatures: cnnFeatures)
        let (configuration, model, words) = (workload.configuration, workload.model, workload.words)
        let positions = configuration.positionsPerGrid
        let inputs = session.directory.appendingPathComponent("attention-words.safetensors")
        let weights = session.directory.appendingPathComponent("attention-weights.safetensors")
        try writeTensors([("words", words)], to: inputs)
        try writeTensors(model.stateDict().map { ($0.key, $0.tensor) }, to: weights)
        let arguments = PeerModel.AttentionArguments(
            nClasses: configuration.numClasses, cnnFeatureSz: cnnFeatures, outFeatures: configuration.outFeatures,
            numBagsWords: numBagsWords, attnHeads: configuration.numHeads, dropout: configuration.dropout,
            attnP: configuration.attentionDropout, attnType: configuration.energyReduction.rawValue,
            attnFn: configuration.attentionFunction.rawValue)
        _ = try session.load(.attention(arguments, inputs: inputs, weights: weights), peers: [.pyTorch],
                             threads: ParallelLoop.workerCount)
        model.eval()
        let difference = try session.outputs()[Peer.pyTorch.rawValue].flatMap {
            relativeDifference($0, model.infer(words).probabilities)
        }

        let training = try InterleavedTimes(repetitions: repetitions, entrants: [
            ("ours", { measureSeconds { workload.trainingStep() } }),
            ("pytorch", { try session.time("pytorch-train") }),
        ], settle: { session.waitUntilIdle() })
        let inference = try InterleavedTimes(repetitions: repetitions, entrants: [
            ("ours", {
                model.eval()
                return measureSeconds { _ = model.infer(words) }
            }),
            ("pytorch", { try session.time("pytorch") }),
        ], settle: { session.waitUntilIdle() })
        let label = "attention \(positions)×\(positions), F \(cnnFeatures)"
        return [
            PeerComparison(model: label + " inference", oursSeconds: inference.best("ours")!,
                           figures: [.init(peer: .pyTorch, seconds: inference.best("pytorch"), maximumDifference: difference)]),
            PeerComparison(model: label + " training step", oursSeconds: training.best("ours")!,
                           figures: [.init(peer: .pyTorch, seconds: training.best("pytorch"), maximumDifference: nil)]),
        ]
    }

    static func median(_ values: ArraySlice<Double>) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}
