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
             "peak memory: " + (peakResidentBytes.map { String(format: "%.0f MB", Double($0) / 1_048_576) } ?? "unknown")]
        }
    }

    public static func run(numBagsWords: Int = 7, cnnFeatures: Int = 1280, repetitions: Int = 5) -> Result {
        MemoryTuning.retainFreedBuffers()
        let configuration = HATNetConfiguration(numClasses: 4, cnnFeatures: cnnFeatures, outFeatures: 256,
                                                numBagsWords: numBagsWords, numHeads: 4, energyReduction: .l2,
                                                attentionFunction: .softmax)
        let model = HATNetModel(configuration: configuration, seed: 1)
        let positions = configuration.positionsPerGrid
        var generator = SeededGenerator(seed: 2)
        let words = Tensor.normal([1, positions, positions, cnnFeatures], generator: &generator)
        let optimizer = Adam(parameters: model.parameters, learningRate: 1e-4, eps: 1e-9, weightDecay: 4e-6)

        model.train()
        var trainingTimes: [Double] = []
        for _ in 0...repetitions {
            trainingTimes.append(measureSeconds {
                let (logits, _) = model(words)
                let loss = CrossEntropy.loss(logits: logits, targets: [1], classWeights: [1, 1, 1, 1])
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
            })
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

    static func median(_ values: ArraySlice<Double>) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}
