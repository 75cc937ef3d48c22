import Encoders
import Foundation
import HATNet
import Slides
import TensorKit

/// `hatnet bench predict`: one slide → diagnosis in the authors' setting (by default bag 1792,
/// word 256, EfficientNet-Lite0, 7 × 7 bags of 7 × 7 words), timed per stage with the peak resident
/// memory of each: open the slide, resample (cut every bag's words from the pyramid, streamed bag by
/// bag), encode (the word encoder on each bag as it comes), attend (`HATNetModel.infer`). Resampling
/// and encoding alternate bag by bag, as `hatnet predict` runs them, so they share one peak figure.
/// Weights are synthetic (speed depends only on shapes).
public enum PredictBenchmark {
    public struct Stage: Sendable {
        public let name: String
        public let seconds: Double
        public let peakBytes: Int?
    }

    public struct Result: Sendable {
        public let label: String
        public let layout: WordGridLayout
        public let stages: [Stage]
        public let probabilities: [Float]

        public var totalSeconds: Double { stages.map(\.seconds).reduce(0, +) }
        public var peakBytes: Int? { stages.compactMap(\.peakBytes).max() }
        /// The stage that took longest.
        public var dominantStage: String { stages.max { $0.seconds < $1.seconds }?.name ?? "–" }

        public var line: String {
            let parts = stages.map { stage in
                String(format: "%@ %.2f s", stage.name, stage.seconds) + (stage.peakBytes.map { String(format: " (peak %.2f GB)", Double($0) / 1e9) } ?? "")
            }
            return String(format: "%@, bag %d word %d: %.2f s, peak %@ — ", label, layout.bagSize, layout.wordSize, totalSeconds,
                          peakBytes.map { String(format: "%.2f GB", Double($0) / 1e9) } ?? "?") + parts.joined(separator: ", ")
        }

        public static let markdownHeader = """
            | slide | bag / word | total s | peak GB | open s | resample s | encode s | attend s | dominant |
            | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |
            """

        public var markdownRow: String {
            let seconds = ["open", "resample", "encode", "attend"].map { name in
                stages.first { $0.name == name }.map { String(format: "%.2f", $0.seconds) } ?? "–"
            }
            return "| \(label) | \(layout.bagSize) / \(layout.wordSize) | " + String(format: "%.2f", totalSeconds) + " | "
                + (peakBytes.map { String(format: "%.2f", Double($0) / 1e9) } ?? "?") + " | " + seconds.joined(separator: " | ")
                + " | \(dominantStage) |"
        }
    }

    /// The encoder and attention network of one grid: `architecture` with synthetic weights and a
    /// seeded HATNet for its feature width and the layout's bags a side.
    public static func models(_ architecture: EncoderArchitecture, layout: WordGridLayout) throws -> (encoder: any Encoder, model: HATNetModel) {
        let encoder = try architecture.makeEncoder(weights: .synthetic(seed: 1))
        let configuration = HATNetConfiguration(numClasses: 4, cnnFeatures: encoder.featureCount, outFeatures: 256,
                                                numBagsWords: layout.bagsPerSide, numHeads: 4, energyReduction: .l2,
                                                attentionFunction: .softmax)
        try configuration.validate()
        let model = HATNetModel(configuration: configuration, seed: 1)
        model.eval()
        return (encoder, model)
    }

    /// Times `url` → diagnosis per stage.
    public static func run(slide url: URL, layout: WordGridLayout, encoder: any Encoder, model: HATNetModel, label: String,
                           progress: (String) -> Void) throws -> Result {
        MemoryTuning.retainFreedBuffers()
        var stages: [Stage] = []
        resetPeakResidentBytes()
        var source: (any SlideSource)?
        let openSeconds = try measureSeconds { source = try openSlide(url) }
        stages.append(Stage(name: "open", seconds: openSeconds, peakBytes: peakResidentBytes()))

        resetPeakResidentBytes()
        let extractor = WordGridExtractor(bagSize: layout.bagSize, wordSize: layout.wordSize)
        let positions = layout.bagsPerSide * layout.bagsPerSide
        var features: [Float] = []
        features.reserveCapacity(positions * positions * encoder.featureCount)
        var encodeSeconds = 0.0
        let streamSeconds = try measureSeconds {
            try extractor.forEachBag(in: source!) { bag in
                encodeSeconds += measureSeconds {
                    // bag.words is [Nw, W, W, 3] → [Nw, F]
                    features += encoder.features(channelsLast: bag.words).scalars
                }
                progress("\(label): bag \(bag.index + 1)/\(layout.bagCount)")
            }
        }
        let streamPeak = peakResidentBytes()
        stages.append(Stage(name: "resample", seconds: streamSeconds - encodeSeconds, peakBytes: streamPeak))
        stages.append(Stage(name: "encode", seconds: encodeSeconds, peakBytes: streamPeak))

        resetPeakResidentBytes()
        let words = Tensor(shape: [1, positions, positions, encoder.featureCount], scalars: features)
        var probabilities: [Float] = []
        let attendSeconds = measureSeconds { probabilities = model.infer(words).probabilities.scalars }
        stages.append(Stage(name: "attend", seconds: attendSeconds, peakBytes: peakResidentBytes()))
        precondition(probabilities.allSatisfy(\.isFinite), "PredictBenchmark: non-finite probabilities")
        return Result(label: label, layout: layout, stages: stages, probabilities: probabilities)
    }
}
