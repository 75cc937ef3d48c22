import Encoders
import Foundation
import HATNet
import Pipeline
import Slides
import TensorKit

/// `hatnet bench predict`: one slide → diagnosis in the authors' setting (by default bag 1792,
/// word 256, EfficientNet-Lite0, 7 × 7 bags of 7 × 7 words), timed per stage with the peak resident
/// memory of each: open the slide, resample (cut every bag's words from the pyramid, streamed bag by
/// bag), encode (the word encoder on each bag as it comes), attend (`Predictor.diagnose`, i.e. `HATNetModel.infer`). Resampling
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

    /// `architecture` with synthetic weights, checked against the words of every layout (the
    /// check `hatnet predict` makes), so a layout it cannot encode is refused before any slide is made.
    /// - Throws: ``Encoders/EncoderInputError`` naming the encoder and the word size.
    public static func encoder(_ architecture: EncoderArchitecture, layouts: [WordGridLayout]) throws -> any Encoder {
        let encoder = try architecture.makeEncoder(weights: .synthetic(seed: 1))
        for layout in layouts { try encoder.checkInput(height: layout.wordSize, width: layout.wordSize) }
        return encoder
    }

    /// A seeded HATNet for `encoder`'s feature width and the layout's bags a side.
    public static func model(for encoder: any Encoder, layout: WordGridLayout) throws -> HATNetModel {
        let configuration = HATNetConfiguration(numClasses: 4, cnnFeatures: encoder.featureCount, outFeatures: 256,
                                                numBagsWords: layout.bagsPerSide, numHeads: 4, energyReduction: .l2,
                                                attentionFunction: .softmax)
        try configuration.validate()
        let model = HATNetModel(configuration: configuration, seed: 1)
        model.eval()
        return model
    }

    /// How the bench cuts slides: `hatnet predict`'s defaults without tissue detection, which the
    /// peers' pipeline does not do either.
    public static let gridOptions: WordGridOptions = {
        var options = WordGridOptions.standard
        options.detectTissue = false
        return options
    }()

    /// Times `url` → diagnosis per stage through `hatnet predict`'s ``Pipeline/Predictor``: its
    /// ``Pipeline/WordFeatureEncoder`` streams the bags, then ``Pipeline/Predictor/diagnose(_:)``.
    /// - Throws: ``Encoders/EncoderInputError`` when `encoder` cannot take the layout's words, or the slide's errors.
    public static func run(slide url: URL, layout: WordGridLayout, encoder: any Encoder, model: HATNetModel, label: String,
                           progress: (String) -> Void) throws -> Result {
        MemoryTuning.retainFreedBuffers()
        var stages: [Stage] = []
        resetPeakResidentBytes()
        var source: (any SlideSource)?
        let openSeconds = try measureSeconds { source = try openSlide(url) }
        stages.append(Stage(name: "open", seconds: openSeconds, peakBytes: peakResidentBytes()))

        resetPeakResidentBytes()
        // hatnet predict's path (the encoder's input check included), with tissue detection off as in
        // the peers' pipeline; the stream's encoder calls are timed apart from the cutting and resampling.
        let predictor = try Predictor(model: model, classNames: (0..<model.configuration.numClasses).map { "class \($0)" },
                                      wordEncoder: WordFeatureEncoder(encoder: encoder, gridOptions: gridOptions), scale: layout)
        var features: WordFeatures?
        var encodeSeconds = 0.0
        let streamSeconds = try measureSeconds {
            features = try predictor.wordEncoder!.encode(source!, imageID: url.lastPathComponent, scale: layout, view: 0) { bag, seconds in
                encodeSeconds += seconds
                progress("\(label): bag \(bag.index + 1)/\(layout.bagCount)")
            }
        }
        let streamPeak = peakResidentBytes()
        stages.append(Stage(name: "resample", seconds: streamSeconds - encodeSeconds, peakBytes: streamPeak))
        stages.append(Stage(name: "encode", seconds: encodeSeconds, peakBytes: streamPeak))

        resetPeakResidentBytes()
        var probabilities: [Float] = []
        let attendSeconds = try measureSeconds { probabilities = try predictor.diagnose(features!).probabilities.map(Float.init) }
        stages.append(Stage(name: "attend", seconds: attendSeconds, peakBytes: peakResidentBytes()))
        return Result(label: label, layout: layout, stages: stages, probabilities: probabilities)
    }
}
