import Encoders
import Foundation
import HATNet
import Slides
import Testing
@testable import Pipeline
import Synthesis
import TensorKit

/// `hatnet predict`'s diagnosis: probabilities and the attended bags and words in slide pixels.
@Suite struct PredictorTests {
    /// A predictor over a synthetic-weight MobileNetV2 0.5 and a random HATNet with 3 × 3 bags of
    /// 3 × 3 words of 32 pixels.
    private func makePredictor(encoderSeed: UInt64, modelSeed: UInt64, outFeatures: Int,
                               gridOptions: WordGridOptions = .standard)
        throws -> (predictor: Predictor, model: HATNetModel, encoder: any Encoder, scale: WordGridLayout) {
        let encoder = try EncoderArchitecture.mobilenetv2.makeEncoder(scale: 0.5, weights: .synthetic(seed: encoderSeed))
        let model = HATNetModel(configuration: HATNetConfiguration(cnnFeatures: encoder.featureCount, outFeatures: outFeatures,
                                                                   numBagsWords: 3), seed: modelSeed)
        let scale = WordGridLayout(bagSize: 96, wordSize: 32)
        let predictor = try Predictor(model: model, classNames: SlideClasses.defaultNames,
                                      wordEncoder: WordFeatureEncoder(encoder: encoder, gridOptions: gridOptions), scale: scale)
        return (predictor, model, encoder, scale)
    }

    @Test func diagnosisRanksBagsAndWordsByTheirEnergies() throws {
        let (predictor, model, encoder, scale) = try makePredictor(encoderSeed: 1, modelSeed: 2, outFeatures: 32)
        var generator = SeededGenerator(seed: 8)
        let features = WordFeatures(words: .normal([9, 9, encoder.featureCount], generator: &generator),
                                    geometry: SyntheticFeatureCohort.gridGeometry(scale: scale), tissueFractions: nil,
                                    scale: scale, view: 0)
        let diagnosis = predictor.report(of: try predictor.diagnose(features), slide: "s.tiff", topBags: 3, topWords: 2)
        #expect(Swift.abs(diagnosis.probabilities.values.reduce(0, +) - 1) < 1e-5)
        #expect(diagnosis.probabilities[diagnosis.predictedClass] == diagnosis.probabilities.values.max())
        #expect(diagnosis.topBags.count == 3 && diagnosis.topBags.allSatisfy { $0.topWords.count == 2 })
        #expect(diagnosis.topBags.map(\.score) == diagnosis.topBags.map(\.score).sorted(by: >))
        let attention = model.infer(features.words.unsqueezed(axis: 0), attention: true).attention
        #expect(Double(attention!.bagScores.scalars.max()!) == diagnosis.topBags[0].score)
        // A bag's region is its 96-pixel square; its words lie inside it.
        for bag in diagnosis.topBags {
            #expect(bag.region.width == 96 && bag.region.height == 96)
            for word in bag.topWords {
                #expect(word.region.x >= bag.region.x && word.region.x + word.region.width <= bag.region.x + bag.region.width)
                #expect(word.region.y >= bag.region.y && word.region.y + word.region.height <= bag.region.y + bag.region.height)
            }
        }
        #expect(throws: TrainingError.self) {
            try Predictor(model: model, classNames: ["a", "b"], wordEncoder: WordFeatureEncoder(encoder: encoder), scale: scale)
        }
    }

    /// A real image through the whole path (slide → words → encoder → attention), on a grid padded to
    /// keep the aspect: every bag rectangle of the report lies on the slide (padding words do not
    /// widen it) and equals the rectangle the attention figures use for that bag.
    @Test func aSlideIsDiagnosedAndItsBagsLieOnTheSlide() throws {
        let predictor = try makePredictor(encoderSeed: 3, modelSeed: 4, outFeatures: 16,
                                          gridOptions: WordGridOptions(keepAspect: true)).predictor
        // A 300×200 image: the grid keeps the aspect, so the bottom rows of words are padding.
        let image = URL(fileURLWithPath: "/virtual/slide.png")
        var pixels = RGBImage(width: 300, height: 200, filledWith: (230, 180, 200))
        for index in stride(from: 0, to: pixels.pixels.count, by: 7) { pixels.pixels[index] = UInt8(index % 251) }
        let slide = ImageSource(url: image, image: pixels, format: "png")
        let diagnosis = try predictor.diagnose(slide: slide, imageID: "slide")
        let report = predictor.report(of: diagnosis, slide: image.path, topBags: 9, topWords: 9)
        let (width, height) = slide.dimensions
        #expect(width != height, "the fixture must not be square, or there is no padding to test")
        #expect(report.topBags.count == 9)
        for bag in report.topBags {
            #expect(bag.region.x >= 0 && bag.region.y >= 0, "bag \(bag.bag): \(bag.region)")
            #expect(bag.region.x + bag.region.width <= Double(width) + 1e-6 && bag.region.y + bag.region.height <= Double(height) + 1e-6,
                    "bag \(bag.bag) reaches beyond the \(width)×\(height) slide: \(bag.region)")
            #expect(bag.region == diagnosis.features.geometry.bagRegions[bag.bag])
        }
        #expect(Swift.abs(diagnosis.probabilities.reduce(0, +) - 1) < 1e-5)
    }
}
